// The kernel proof of `dockwall fix`: each scenario's dump is loaded into the
// lab's real netfilter as it is (the bug is checked to be there), then with each
// strategy's output (the patched dump for nat and docker-user, the dump plus the
// nft table for nft). Blocked sources must not reach the container (they time
// out), allowed ones must, and the container's own outbound connections must
// still get their replies. Every printed ruleset must also pass
// `iptables-restore --test` / `nft -c -f` in a fresh namespace.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runInNetns } from "../helpers/kernel.js";
import { CLIENT, CLIENT_V4, HOST, HOST_V4, Lab, defaultTopology, describeLab, type Probe, type ProbeResult, type Topology } from "../helpers/lab.js";
import { runFix } from "../../src/cli/commands/fix.js";
import type { Strategy } from "../../src/fix/index.js";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/fix/${name}`, import.meta.url), "utf8");

interface Scenario {
  name: string;
  file: string;
  strategies: Strategy[];
  rule?: string;
  topology?: Topology;
  /** must not reach the container after the fix (and do reach it before, unless `alreadyBlocked`) */
  blocked: Probe[];
  /** must reach the container before and after */
  allowed: Probe[];
  /** the container's outbound connections: must get their replies after the fix */
  egress: Probe[];
  /** the probes that show the bug before the fix (default: `blocked` get through) */
  bug?: (r: Map<string, ProbeResult>) => void;
}

const c1 = "c1";
const SCENARIOS: Scenario[] = [
  {
    name: "classic report (DW101)",
    file: "classic.rules",
    strategies: ["nat", "docker-user", "nft"],
    blocked: [{ id: "public-443", from: CLIENT, proto: "tcp", src: CLIENT_V4, dst: HOST_V4, dport: 443 }],
    allowed: [
      { id: "lb-443", from: CLIENT, proto: "tcp", src: "172.16.0.10", dst: HOST_V4, dport: 443 },
      { id: "ssh", from: CLIENT, proto: "tcp", src: CLIENT_V4, dst: HOST_V4, dport: 22 },
    ],
    egress: [
      { id: "egress-80", from: c1, proto: "tcp", src: "172.17.0.2", dst: CLIENT_V4, dport: 80 },
      { id: "egress-443", from: c1, proto: "tcp", src: "172.17.0.2", dst: CLIENT_V4, dport: 443 },
    ],
  },
];

function outputs(s: Scenario, strategy: Strategy): { iptables?: string; nft?: string } {
  const text = fixture(s.file);
  const base = { rule: s.rule ? [s.rule] : [], hostAddr: [], iface: [] };
  if (strategy === "nft") {
    const r = runFix({ name: s.file, text }, { ...base, strategy, format: "nft" });
    expect(r.exit, r.stderr.join("")).toBe(0);
    return { nft: r.stdout };
  }
  const r = runFix({ name: s.file, text }, { ...base, strategy, format: "save" });
  expect(r.exit, r.stderr.join("")).toBe(0);
  return { iptables: r.stdout };
}

function byId(results: ProbeResult[]): Map<string, ProbeResult> {
  return new Map(results.map((r) => [r.probe.id, r]));
}

const reached = (r: ProbeResult | undefined, ns: string) => r?.result === "open" && r.answer?.ns === ns;
const show = (r: ProbeResult | undefined) => (r ? `${r.probe.id}: ${r.result}${r.code ? ` ${r.code}` : ""}${r.answer ? ` answered by ${r.answer.ns}` : ""}` : "missing");

describeLab("dockwall fix, proved in the kernel", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open(defaultTopology());
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
  });

  for (const s of SCENARIOS) {
    const probes = [...s.blocked, ...s.allowed, ...s.egress];
    it(`${s.name}: the bug is there before the fix`, async () => {
      await lab.setTopology(s.topology ?? defaultTopology());
      await lab.reset();
      await lab.loadIptables(fixture(s.file), "ipv4");
      const r = byId(await lab.probe(probes));
      if (s.bug) s.bug(r);
      else for (const p of s.blocked) expect(reached(r.get(p.id), c1), show(r.get(p.id))).toBe(true);
      for (const p of s.allowed) expect(r.get(p.id)?.result, show(r.get(p.id))).toBe("open");
    }, 60_000);

    for (const strategy of s.strategies) {
      it(`${s.name}: --strategy ${strategy} blocks, keeps the allowed sources and container egress`, async () => {
        const out = outputs(s, strategy);
        await lab.setTopology(s.topology ?? defaultTopology());
        await lab.reset();
        if (out.iptables) await lab.loadIptables(out.iptables, "ipv4");
        else {
          await lab.loadIptables(fixture(s.file), "ipv4");
          await lab.loadNft(out.nft!);
        }
        const r = byId(await lab.probe(probes));
        for (const p of s.blocked) expect(r.get(p.id)?.result, show(r.get(p.id))).toBe("timeout");
        for (const p of s.allowed) {
          const got = r.get(p.id);
          expect(got?.result, show(got)).toBe("open");
        }
        for (const p of s.egress) expect(reached(r.get(p.id), CLIENT), show(r.get(p.id))).toBe(true);
      }, 60_000);
    }
  }

  it("every printed ruleset loads: iptables-restore --test and nft -c -f", () => {
    for (const s of SCENARIOS) {
      for (const strategy of s.strategies) {
        const out = outputs(s, strategy);
        const r = out.iptables
          ? runInNetns("iptables-restore --test", { input: out.iptables })
          : runInNetns(`iptables-restore && nft -c -f /dev/stdin <<'EOF'\n${out.nft}EOF`, { input: fixture(s.file) });
        expect(r.status, `${s.name} ${strategy}: ${r.stderr}`).toBe(0);
      }
    }
  }, 60_000);
});

// The lab's host answers on every probed port, so "open" from HOST shows a packet reached INPUT.
void HOST;
