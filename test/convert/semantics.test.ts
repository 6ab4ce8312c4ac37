// Does the translation behave like the original? Each scenario dump goes into one
// kernel lab with iptables-restore and its `dockwall convert` output into
// another with nft; both get the same probes (boundary and seeded random
// packets from test/helpers/lab/scenario.ts), and every probe must end the same
// way (open, refused, unreachable, timeout) at the same place with the same
// final addresses. For the kube-proxy + Docker scenario the reference
// translator's output must fail to load at all.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { convertDump, convertInet } from "../../src/emit/nft.js";
import { Lab, describeLab, type ProbeResult } from "../helpers/lab.js";
import { runInNetns } from "../helpers/kernel.js";
import { deriveScenario } from "../helpers/lab/scenario.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const golden = path.resolve(repo, "../shared/docker-golden/iptables");

interface Source {
  name: string;
  family: "ipv4" | "ipv6";
  text: string;
}

function sources(): Source[] {
  const read = (rel: string) => readFileSync(path.join(repo, rel), "utf8");
  const out: Source[] = [
    { name: "kube-docker", family: "ipv4", text: read("fixtures/convert/kube-docker.rules") },
    { name: "traps", family: "ipv4", text: read("fixtures/convert/traps.rules") },
    { name: "docker-27", family: "ipv4", text: read("fixtures/lab/docker-27.rules") },
    { name: "docker-27-v6", family: "ipv6", text: read("fixtures/lab/docker-27-v6.rules6") },
    { name: "ufw-docker", family: "ipv4", text: read("fixtures/lab/ufw-docker.rules") },
    { name: "kube-nodeport", family: "ipv4", text: read("fixtures/lab/kube-nodeport.rules") },
  ];
  if (existsSync(golden)) {
    for (const re of [/^hairpin=false,internal=false,icc=false,masq=true,snat=true,gwm=nat,bindlh=true__iptables/, /^hairpin=false,internal=false,icc=true,masq=true,snat=false,gwm=nat,bindlh=false__ip6tables/]) {
      const f = readdirSync(golden).find((x) => re.test(x));
      if (f) out.push({ name: `golden:${f.replace(/\.golden$/, "")}`, family: f.includes("ip6tables") ? "ipv6" : "ipv4", text: readFileSync(path.join(golden, f), "utf8") });
    }
  } else console.warn(`[skip] docker-golden scenarios: ${golden} not present`);
  return out;
}

/** What a probe's sender and receivers saw. NAT source ports are left out: --random-fully picks them at random. */
function observed(r: ProbeResult): string {
  const a = r.answer;
  return `${r.result}${r.code ? `(${r.code})` : ""}${a ? ` answered by ${a.ns} at ${a.local.addr}:${a.local.port} from ${a.peer.addr}` : ""}`;
}

describeLab("a converted ruleset behaves like the original in the kernel", () => {
  const all = sources();
  let ipt: Lab;
  let nft: Lab;
  let compared = 0;
  beforeAll(async () => {
    [ipt, nft] = await Promise.all([Lab.open(), Lab.open()]);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([ipt?.close(), nft?.close()]);
    console.log(`convert semantics: ${compared} probes over ${all.length} scenarios, iptables and nft outcomes identical`);
  });

  /** Loads `src` with iptables-restore and `nftText` with nft, probes both labs alike, and expects no difference. */
  async function compare(src: Source, nftText: string) {
      const sc = deriveScenario(src.text, { name: src.name, family: src.family, seed: 11, random: 260 });
      await Promise.all([ipt.setTopology(sc.topology), nft.setTopology(sc.topology)]);
      await Promise.all([ipt.reset(), nft.reset()]);
      await ipt.loadIptables(src.text, src.family, { label: src.name });
      await nft.loadNft(nftText, { label: `${src.name}.nft` });
      const opts = { trace: true, listen: sc.listen, timeoutMs: 800 };
      const [a, b] = await Promise.all([ipt.probe(sc.probes, opts), nft.probe(sc.probes, opts)]);
      // A loaded machine loses the odd answer (two labs probe at once on two
      // cores); a difference counts only if it comes back when both sides send
      // the packet again, one lab at a time and with more time.
      let differ = sc.probes.map((_, i) => i).filter((i) => observed(a[i]!) !== observed(b[i]!));
      for (let round = 0; round < 2 && differ.length; round++) {
        const again = differ.map((i) => ({ ...sc.probes[i]!, sport: 0 }));
        const slow = { ...opts, timeoutMs: 3000, parallel: 8 };
        const ra = await ipt.probe(again, slow);
        const rb = await nft.probe(again, slow);
        differ.forEach((i, k) => ((a[i] = ra[k]!), (b[i] = rb[k]!)));
        differ = differ.filter((i) => observed(a[i]!) !== observed(b[i]!));
      }
      const report = differ.map((i) => {
        const p = sc.probes[i]!;
        return `${p.id} ${p.from} ${p.proto} ${p.src} -> ${p.dst}:${p.dport}\n  iptables: ${observed(a[i]!)}\n  nft:      ${observed(b[i]!)}`;
      });
      expect(report).toEqual([]);
      compared += sc.probes.length;
  }

  for (const src of all) {
    it(`${src.name}: every probe ends the same way under iptables-restore and under nft -f`, async () => {
      const dump = parse(src.text, { file: src.name, family: src.family });
      const converted = convertDump(dump);
      // the scenarios hold only rules that translate exactly
      expect(converted.problems).toEqual([]);
      await compare(src, converted.text);
    }, 600_000);
  }

  // convert --family inet with both dumps: one script, and each family's probes
  // must end as under that family's own dump (the other family's rules never see them)
  const v4 = all.find((x) => x.name === "docker-27")!;
  const v6 = all.find((x) => x.name === "docker-27-v6")!;
  for (const src of [v4, v6]) {
    it(`inet (docker-27 + docker-27-v6 in one script): ${src.family} probes end as under ${src.name}`, async () => {
      const inet = convertInet([v4, v6].map((x) => ({ dump: parse(x.text, { file: x.name, family: x.family }) })));
      expect(inet.problems).toEqual([]);
      await compare(src, inet.text);
    }, 600_000);
  }

  it("compared at least 1,000 probes over at least 6 scenarios", () => {
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(compared).toBeGreaterThanOrEqual(1000);
  });

  it("the reference translation of the kube-proxy + Docker dump does not even load", () => {
    const ref = spawnSync("iptables-restore-translate", ["-f", path.join(repo, "fixtures/convert/kube-docker.rules")], { encoding: "utf8" });
    expect(ref.status).toBe(0);
    const check = runInNetns("nft -c -f -", { input: ref.stdout });
    expect(check.status).not.toBe(0);
    expect(check.stderr).toContain("transport protocol mapping is only valid after transport protocol match");
    const ours = runInNetns("nft -c -f -", { input: convertDump(parse(readFileSync(path.join(repo, "fixtures/convert/kube-docker.rules"), "utf8"))).text });
    expect(ours.stderr).toBe("");
    expect(ours.status).toBe(0);
  });

  it("iptables-nft 1.8.9 itself loads a negated full port range as every packet; dockwall keeps the written meaning and says so", () => {
    const text = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp ! --dport 0:65535 -j ACCEPT\nCOMMIT\n";
    const r = runInNetns("iptables-restore && nft list chain ip filter INPUT", { input: text });
    expect(r.stdout).toMatch(/meta l4proto tcp counter packets 0 bytes 0 accept/);
    const converted = convertDump(parse(text));
    expect(converted.text).toContain("tcp dport != 0-65535 counter accept");
    expect(converted.notes.map((n) => n.code)).toContain("negated-full-range");
  });
});
