// `dockwall fix` without the kernel: what each format prints for the classic
// case, exit codes, and that the engine proof rejects fixes that are wrong.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runFix } from "../../src/cli/commands/fix.js";
import { parse } from "../../src/extensions/index.js";
import { lint } from "../../src/lint/run.js";
import { RULES } from "../../src/lint/registry.js";
import { authorRule } from "../../src/fix/author.js";
import { FIX_BUILDERS, fixFindings, proofHost, type FixPlan } from "../../src/fix/index.js";
import { verifyPlans } from "../../src/fix/verify.js";
import { analyze } from "../../src/engine/symbolic.js";
import { fixScript } from "../../src/emit/script.js";

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), "utf8");
const CLASSIC = read("fixtures/fix/classic.rules");
const opts = { rule: [] as string[], hostAddr: [] as string[], iface: [] as string[] };
const run = (text: string, o: Partial<Parameters<typeof runFix>[1]> = {}) => runFix({ name: "classic.rules", text }, { ...opts, format: "diff", ...o });

function classicPlans(strategy: string): { dump: ReturnType<typeof parse>; plan: FixPlan } {
  const dump = parse(CLASSIC, { file: "classic.rules" });
  const found = lint([{ dump }], { rules: RULES.filter((r) => r.meta.id === "DW101") }).findings;
  const [ff] = fixFindings(dump, found);
  const v = ff!.fixes.find((x) => x.plan.strategy === strategy)!;
  expect(v.status, v.detail).toBe("verified");
  return { dump, plan: v.plan };
}

describe("dockwall fix on the classic report", () => {
  it("--format diff shows the nat-table RETURN, first in PREROUTING", () => {
    const r = run(CLASSIC);
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/^\+-A PREROUTING ! -s 172\.16\.0\.0\/26 ! -i docker0 -p tcp -m tcp --dport 443 -m addrtype --dst-type LOCAL -j RETURN$/m);
    // inserted before Docker's own jump
    expect(r.stdout.indexOf("-j RETURN")).toBeLessThan(r.stdout.indexOf("-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER"));
    expect(r.stdout.split("\n").filter((l) => /^[+-](?![+-]{2})/.test(l))).toHaveLength(1);
    expect(r.stderr.join("")).toMatch(/DW101: nat-return \(verified\)/);
  });

  it("--strategy docker-user matches conntrack's original port, original direction only", () => {
    const r = run(CLASSIC, { strategy: "docker-user" });
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/^\+-A DOCKER-USER ! -s 172\.16\.0\.0\/26 -d 172\.17\.0\.2\/32 ! -i docker0 -p tcp -m conntrack --ctstate DNAT --ctproto 6 --ctorigdstport 443 --ctdir ORIGINAL -j DROP$/m);
  });

  it("--format nft is a re-runnable table of its own, family-scoped, before dstnat", () => {
    const r = run(CLASSIC, { format: "nft" });
    expect(r.exit).toBe(0);
    const lines = r.stdout.split("\n").filter((l) => !l.startsWith("#"));
    expect(lines.slice(0, 3)).toEqual(["table inet dockwall", "delete table inet dockwall", "table inet dockwall {"]);
    expect(r.stdout).toContain("type filter hook prerouting priority dstnat - 10; policy accept;");
    expect(r.stdout).toMatch(/meta nfproto ipv4 iifname != "docker0" ip saddr != 172\.16\.0\.0\/26 tcp dport 443 fib daddr type local ct state new counter drop/);
  });

  it("--format save is the whole dump with the fix, which parses again", () => {
    const r = run(CLASSIC, { format: "save" });
    const again = parse(r.stdout, { file: "saved" });
    expect(again.tables.get("nat")!.chains.get("PREROUTING")!.rules).toHaveLength(2);
    expect(again.tables.get("filter")!.chains.get("INPUT")!.rules).toHaveLength(5);
  });

  it("--format script checks before it changes, and quotes for sh", () => {
    const r = run(CLASSIC, { format: "script" });
    expect(r.stdout).toMatch(/^iptables -t nat -C PREROUTING ! -s 172\.16\.0\.0\/26 .* -j RETURN 2>\/dev\/null \|\| iptables -t nat -I PREROUTING 1 ! -s 172\.16\.0\.0\/26 .* -j RETURN$/m);
    expect(r.stdout.startsWith("#!/bin/sh\n")).toBe(true);
  });

  it("says so, and exits 1, when a finding has no fix of the requested strategy", () => {
    const r = run(CLASSIC, { strategy: "raw" });
    expect(r.exit).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.join("")).toMatch(/DW101: no verified fix with strategy raw/);
  });

  it("rejects format/strategy mixes and unknown rules as usage errors", () => {
    expect(() => run(CLASSIC, { format: "nft", strategy: "nat" })).toThrow(/--format nft prints the nft strategy/);
    expect(() => run(CLASSIC, { rule: ["DW999"] })).toThrow(/no such rule/);
  });

  it("prints nothing to fix (exit 0) for a dump without fixable findings", () => {
    const r = run("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n");
    expect(r.exit).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr.join("")).toMatch(/nothing to fix/);
  });
});

describe("the engine proof rejects wrong fixes", () => {
  const host = (d: ReturnType<typeof parse>) => proofHost(d);

  it("a fix that changes nothing leaves the finding's packets through", () => {
    const { dump, plan } = classicPlans("nat");
    const [v] = verifyPlans(dump, [{ ...plan, edits: [] }], host(dump));
    expect(v!.status).toBe("failed");
    expect(v!.detail).toMatch(/^still forwarded after the fix/);
  });

  it("a drop of everything to the port also cuts the load balancer off", () => {
    const { dump, plan } = classicPlans("nat");
    const all = authorRule("ipv4", "filter", "-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 443 --ctdir ORIGINAL -j DROP");
    const [v] = verifyPlans(dump, [{ ...plan, edits: [{ kind: "insert", table: "filter", chain: "DOCKER-USER", index: 0, rule: all }] }], host(dump));
    expect(v!.status).toBe("failed");
    expect(v!.detail).toMatch(/changes traffic the rules allow/);
  });

  it("a drop that also hits other ports is caught", () => {
    const { dump, plan } = classicPlans("nat");
    const wide = authorRule("ipv4", "nat", "-A PREROUTING ! -s 172.16.0.0/26 ! -i docker0 -p tcp -m addrtype --dst-type LOCAL -j RETURN");
    const [v] = verifyPlans(dump, [{ ...plan, edits: [{ kind: "insert", table: "nat", chain: "PREROUTING", index: 0, rule: wide }] }], host(dump));
    // ssh stays accepted by INPUT, but tcp to other published... here: nothing else is DNATed, so it holds
    expect(v!.status).toBe("verified");
    // an SSH lock-out, blind to replies (NEW only), still fails
    const drop22 = authorRule("ipv4", "mangle", "-A PREROUTING -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j DROP");
    const [w] = verifyPlans(dump, [{ ...plan, edits: [...plan.edits, { kind: "insert", table: "mangle", chain: "PREROUTING", index: 0, rule: drop22 }] }], host(dump));
    expect(w!.status).toBe("failed");
    expect(w!.detail).toMatch(/^changes other traffic \(local before, dropped after\): .*:22 /);
  });

  it("a DOCKER-USER drop that could see replies is refused", () => {
    const { dump, plan } = classicPlans("docker-user");
    const noDir = authorRule("ipv4", "filter", "-A DOCKER-USER ! -s 172.16.0.0/26 -d 172.17.0.2/32 ! -i docker0 -p tcp -m conntrack --ctstate DNAT --ctorigdstport 443 -j DROP");
    const [v] = verifyPlans(dump, [{ ...plan, edits: [{ kind: "insert", table: "filter", chain: "DOCKER-USER", index: 0, rule: noDir }] }], host(dump));
    expect(v!.status).toBe("failed");
    expect(v!.detail).toMatch(/could also match replies/);
  });
});

describe("fixes that make existing drops apply keep replies flowing", () => {
  const file = "fixtures/lint/docker-user-not-wired/trigger.rules";

  it("wiring DOCKER-USER puts the ESTABLISHED return before its drops", () => {
    const r = runFix({ name: file, text: read(file) }, { ...opts, rule: ["DW109"], format: "diff" });
    expect(r.exit, r.stderr.join("")).toBe(0);
    const added = r.stdout.split("\n").filter((l) => l.startsWith("+-A"));
    expect(added).toEqual(["+-A FORWARD -j DOCKER-USER", "+-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN"]);
    const drop = r.stdout.search(/^ -A DOCKER-USER .*-j DROP$/m);
    expect(drop).toBeGreaterThan(0);
    expect(r.stdout.indexOf("RELATED,ESTABLISHED -j RETURN")).toBeLessThan(drop);
  });

  it("the proof refuses the bare jump: the drop it makes apply would see replies", () => {
    const dump = parse(read(file), { file });
    const found = lint([{ dump }], { rules: RULES.filter((r) => r.meta.id === "DW109") }).findings;
    const plan = fixFindings(dump, found)[0]!.fixes[0]!.plan;
    const bare = plan.edits.filter((e) => !(e.kind === "insert" && e.chain === "DOCKER-USER"));
    expect(bare.length).toBe(plan.edits.length - 1);
    const [v] = verifyPlans(dump, [{ ...plan, edits: bare }], proofHost(dump));
    expect(v!.status).toBe("failed");
    expect(v!.detail).toMatch(/the jump to DOCKER-USER added to filter FORWARD makes the DROP at line \d+ apply to replies/);
  });
});

describe("the nft table beside a second Docker bridge (Docker 28 layout)", () => {
  it("drops only new connections, so the other bridge's related traffic to the host is untouched", () => {
    const r = run(read("fixtures/fix/docker-28.rules"), { format: "nft" });
    expect(r.exit, r.stderr.join("")).toBe(0);
    expect(r.stdout).toMatch(/iifname != "br-7e8f9a0b1c2d" ip saddr != 172\.16\.0\.0\/26 tcp dport 8080 fib daddr type local ct state new counter drop/);
  });
});

describe("a replica chain when INPUT allows several sources", () => {
  const TWO = CLASSIC.replace(
    "-A INPUT -s 172.16.0.0/26 -p tcp -m tcp --dport 443 -j ACCEPT",
    "-A INPUT -s 172.16.0.0/26 -p tcp -m tcp --dport 443 -j ACCEPT\n-A INPUT -s 10.9.0.0/16 -i eth1 -p tcp -m tcp --dport 443 -j ACCEPT",
  );

  it("creates and fills the chain before anything jumps to it", () => {
    const dump = parse(TWO, { file: "two.rules" });
    const found = lint([{ dump }], { rules: RULES.filter((r) => r.meta.id === "DW101") }).findings;
    const [ff] = fixFindings(dump, found);
    const v = ff!.fixes.find((x) => x.plan.strategy === "nat")!;
    expect(v.status, v.detail).toBe("verified");
    const script = fixScript([v.plan], "ipv4", "two.rules");
    const at = (re: RegExp) => script.split("\n").findIndex((l) => re.test(l));
    const create = at(/-N DOCKWALL-TCP-443$/);
    const fill = at(/-A DOCKWALL-TCP-443 -s 10\.9\.0\.0\/16 -i eth1 -j RETURN$/);
    const last = at(/-A DOCKWALL-TCP-443 -j ACCEPT$/);
    const jump = at(/-I PREROUTING 1 .* -j DOCKWALL-TCP-443$/);
    expect(create).toBeGreaterThan(0);
    expect([create, fill, last, jump].every((x, i, a) => i === 0 || x > a[i - 1]!)).toBe(true);
  });
});

describe("every fixable rule's trigger fixture gets a verified fix", () => {
  const dirs = new Map([
    ["DW101", "input-bypassed-by-dnat"],
    ["DW102", "docker-user-host-port"],
    ["DW103", "ctorig-without-ctdir"],
    ["DW104", "docker-user-blanket-drop"],
    ["DW105", "forward-rule-after-docker"],
    ["DW106", "loopback-publish-reachable"],
    ["DW107", "direct-routing-to-containers"],
    ["DW109", "docker-user-not-wired"],
    ["DW113", "nodeport-bypass"],
  ]);
  it("covers every builder", () => expect([...dirs.keys()].sort()).toEqual([...FIX_BUILDERS.keys()].sort()));
  for (const [id, dir] of dirs) {
    const file = `fixtures/lint/${dir}/trigger.rules`;
    it(`${id} (${file})`, () => {
      expect(existsSync(new URL(`../../${file}`, import.meta.url)), `${file} is missing`).toBe(true);
      const dump = parse(read(file), { file });
      // a rule that stops reporting on its own trigger would leave its fix untested
      expect(lint([{ dump }], { rules: RULES.filter((r) => r.meta.id === id) }).findings.length, `lint reports nothing on ${file}`).toBeGreaterThan(0);
      const r = runFix({ name: file, text: read(file) }, { ...opts, rule: [id], format: "diff" });
      expect(r.exit, r.stderr.join("")).toBe(0);
      expect(r.stderr.join("")).toMatch(new RegExp(`${id}: \\S+ \\(verified\\)`));
      expect(r.stdout).toMatch(/^\+-A /m);
    }, 30_000);
  }
});

describe("DW107's raw drop on ufw, whose FORWARD rules may leave packets undecided", () => {
  const UFW = read("fixtures/ufw-docker.rules");
  // ufw's rate-limited LOG rules no longer leave packets undecided (the engine
  // knows LOG cannot change the verdict); a recent match on an ACCEPT does
  const anchor = "-A ufw-before-forward -j ufw-user-forward\n";
  const UFW_RECENT = UFW.replace(anchor, `${anchor}-A ufw-user-forward -m recent --name seen --rcheck -j ACCEPT\n`);

  function ufwPlan(): { dump: ReturnType<typeof parse>; plan: FixPlan } {
    expect(UFW_RECENT).not.toBe(UFW);
    const dump = parse(UFW_RECENT, { file: "ufw-docker-recent.rules" });
    const found = lint([{ dump }], { rules: RULES.filter((r) => r.meta.id === "DW107") }).findings;
    const v = fixFindings(dump, found)[0]!.fixes.find((x) => x.plan.name === "raw-drop")!;
    expect(v.status, v.detail).toBe("verified");
    return { dump, plan: v.plan };
  }

  it("is verified on ufw as shipped: its rate-limited LOG rules no longer leave packets undecided", () => {
    const dump = parse(UFW, { file: "ufw-docker.rules" });
    // what stays undecided: ufw-logging-deny's limited RETURN for INVALID packets (a RETURN is not inert)
    expect([...new Set(analyze(dump).filter((p) => p.outcome === "undecided").map((p) => p.reason))]).toEqual(["depends on limit at line 109"]);
    const r = runFix({ name: "ufw-docker.rules", text: UFW }, { ...opts, rule: ["DW107"], format: "diff" });
    expect(r.exit, r.stderr.join("")).toBe(0);
    expect(r.stdout).toMatch(/^\+-A PREROUTING -d 172\.17\.0\.0\/16 ! -i docker0 -m addrtype --dst-type UNICAST -j DROP$/m);
  });

  it("lets the later packets of connections routed straight to a container go too (Docker 27, no ufw)", () => {
    const file = "fixtures/lab/docker-27.rules";
    const r = runFix({ name: file, text: read(file) }, { ...opts, rule: ["DW107"], format: "diff" });
    expect(r.exit, r.stderr.join("")).toBe(0);
    expect(r.stderr.join("")).toMatch(/DW107: raw-drop \(verified\)/);
  });

  it("is verified where a recent match leaves them undecided: a packet routed straight to a container may go from undecided to dropped", () => {
    expect(ufwPlan().plan.name).toBe("raw-drop");
  });

  it("but a drop wider than the container subnets is refused: those undecided packets were never routed to a container", () => {
    const { dump, plan } = ufwPlan();
    // the fix plus a drop of new tcp to 172.18.0.0/15, routed out of eth0 (NEW only, so the reply check lets it through)
    const wide = authorRule("ipv4", "mangle", "-A PREROUTING -d 172.18.0.0/15 -p tcp -m conntrack --ctstate NEW -j DROP");
    const [v] = verifyPlans(dump, [{ ...plan, edits: [...plan.edits, { kind: "insert", table: "mangle", chain: "PREROUTING", index: 0, rule: wide }] }], proofHost(dump));
    expect(v!.status).toBe("failed");
    expect(v!.detail).toMatch(/^changes other traffic \(undecided before, dropped after\): e\.g\. tcp \S+ -> 172\.1[89]\./);
  });
});

describe("a NodePort load-balanced over two endpoints (DW113, one finding per endpoint's DNAT)", () => {
  const file = "fixtures/fix/nodeport-endpoints.rules";
  const text = read(file);

  it("gets one fix for both findings: one nat RETURN, one nft chain", () => {
    const nat = runFix({ name: file, text }, { ...opts, rule: ["DW113"], format: "diff" });
    expect(nat.exit, nat.stderr.join("")).toBe(0);
    expect(nat.stderr.join("").match(/DW113: nat-return \(verified\)/g)).toHaveLength(2);
    expect(nat.stdout.split("\n").filter((l) => l.startsWith("+-A"))).toEqual(["+-A PREROUTING -p tcp -m tcp --dport 30080 -m addrtype --dst-type LOCAL -j RETURN"]);
    const nft = runFix({ name: file, text }, { ...opts, rule: ["DW113"], format: "nft" });
    expect(nft.exit, nft.stderr.join("")).toBe(0);
    expect(nft.stdout.match(/^\tchain /gm)).toHaveLength(1);
    expect(nft.stdout.match(/tcp dport 30080 fib daddr type local ct state new counter drop/g)).toHaveLength(1);
  });

  it("proves the shared fix on each endpoint's own packets", () => {
    const dump = parse(text, { file });
    const found = lint([{ dump }], { rules: RULES.filter((r) => r.meta.id === "DW113") }).findings;
    expect(found.map((f) => f.message.match(/10\.244\.0\.\d+:8080/)?.[0]).sort()).toEqual(["10.244.0.5:8080", "10.244.0.6:8080"]);
    const fixes = fixFindings(dump, found);
    const nft = fixes.map((ff) => ff.fixes.find((v) => v.plan.strategy === "nft")!);
    expect(nft.map((v) => v.status)).toEqual(["verified", "verified"]);
    expect(nft[0]!.plan.edits).toBe(nft[1]!.plan.edits);
    expect(nft[0]!.plan.intent).not.toBe(nft[1]!.plan.intent);
  });
});

describe("kube-proxy and Docker on one node (fixtures/kube-proxy-nodeports.rules)", () => {
  const file = "fixtures/kube-proxy-nodeports.rules";
  const text = read(file);

  it("has nothing for DW113 to fix as it is: KUBE-FIREWALL's 127/8 drop is not a user restriction", () => {
    const r = runFix({ name: file, text }, { ...opts, rule: ["DW113"], format: "diff" });
    expect(r.exit, r.stderr.join("")).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr.join("")).toMatch(/nothing to fix/);
  });

  it("with an INPUT policy of DROP, every NodePort gets one verified nat RETURN, load-balanced or not", () => {
    const at = text.indexOf("*filter");
    const drop = text.slice(0, at) + text.slice(at).replace(":INPUT ACCEPT [0:0]", ":INPUT DROP [0:0]");
    const r = runFix({ name: file, text: drop }, { ...opts, rule: ["DW113"], format: "diff" });
    expect(r.exit, r.stderr.join("")).toBe(0);
    // svc-4 has three endpoints: five findings, three NodePorts
    expect(r.stderr.join("").match(/DW113: nat-return \(verified\)/g)).toHaveLength(5);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("+-A"))).toEqual(
      [30000, 30001, 30002].map((port) => `+-A PREROUTING -p tcp -m tcp --dport ${port} -m addrtype --dst-type LOCAL -j RETURN`),
    );
  }, 60_000);
});
