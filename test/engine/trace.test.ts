// Concrete traces: chain semantics (jump, goto, RETURN, policy, ACCEPT per
// table, LOG continuing, marks), NAT and conntrack, and `dockwall trace` as
// users run it (real process: exit codes, JSON shape, colour).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { inferHost } from "../../src/engine/host.js";
import { trace } from "../../src/engine/trace.js";
import type { TracePacket } from "../../src/engine/api.js";
import { buildCli, type Cli } from "../lint/cli-bundle.js";
import { CHAINS, CLASSIC, KUBE, RAW, V6 } from "./dumps.js";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const HOST = ["eth0=198.51.100.1/24"];
const run = (text: string, p: TracePacket, ifaces = HOST) => {
  const d = parse(text);
  return trace(d, p, inferHost(d, { ifaces }));
};
const steps = (r: ReturnType<typeof trace>, table?: string) => r.path.filter((s) => !table || s.table === table).map((s) => `${s.table}/${s.chain}:${s.line}:${s.target}`);

describe("the classic Docker trap", () => {
  it("a packet to the host's port 443 is DNATed to the container and accepted in FORWARD without touching INPUT", () => {
    const r = run(CLASSIC, { src: "203.0.113.7", dst: "198.51.100.1", dport: 443 });
    expect(r.outcome).toBe("forwarded");
    expect(r.nat).toEqual([{ kind: "DNAT", line: 35, from: "198.51.100.1:443", to: "172.17.0.2:443" }]);
    expect(r.final).toMatchObject({ dst: "172.17.0.2", dport: 443, iface: "docker0" });
    expect(r.routing).toEqual({ decision: "forward", oif: "docker0" });
    expect(r.decidedBy).toEqual({ table: "filter", chain: "DOCKER", line: 18 });
    expect(r.path.some((s) => s.hook === "INPUT")).toBe(false);
    expect(steps(r)).toEqual([
      "nat/PREROUTING:31:DOCKER",
      "nat/DOCKER:35:DNAT",
      "filter/FORWARD:12:DOCKER-USER",
      "filter/DOCKER-USER:23:RETURN",
      "filter/FORWARD:13:DOCKER-ISOLATION-STAGE-1",
      "filter/DOCKER-ISOLATION-STAGE-1:20:RETURN",
      "filter/FORWARD:15:DOCKER",
      "filter/DOCKER:18:ACCEPT",
      "nat/POSTROUTING:29:policy:ACCEPT",
    ]);
  });
  it("the same host port not published is dropped by INPUT's policy", () => {
    const r = run(CLASSIC, { src: "203.0.113.7", dst: "198.51.100.1", dport: 8443 });
    expect(r.outcome).toBe("dropped");
    expect(r.decidedBy).toEqual({ table: "filter", chain: "INPUT", line: 2 });
    expect(steps(r).at(-1)).toBe("filter/INPUT:2:policy:DROP");
  });
  it("without --host-addr the destination is taken as the host's address, and it says so", () => {
    const d = parse(CLASSIC);
    const r = trace(d, { src: "203.0.113.7", dst: "192.0.2.9", dport: 443 });
    expect(r.outcome).toBe("forwarded");
    expect(r.assumptions.join("\n")).toMatch(/192\.0\.2\.9 taken as this host's address on eth0/);
  });
  it("a destination outside the host is forwarded out of the external interface and masqueraded only from docker0", () => {
    const out = run(CLASSIC, { src: "172.17.0.2", dst: "1.1.1.1", proto: "udp", dport: 53 });
    expect(out).toMatchObject({ outcome: "forwarded", routing: { decision: "forward", oif: "eth0" } });
    expect(out.packet.in).toBe("docker0");
    expect(out.nat).toEqual([{ kind: "MASQUERADE", line: 33, from: "172.17.0.2:40000", to: "198.51.100.1:40000" }]);
    const fromOutside = run(CLASSIC, { src: "203.0.113.7", dst: "1.1.1.1", in: "eth0" });
    expect(fromOutside).toMatchObject({ outcome: "dropped", decidedBy: { chain: "FORWARD", line: 3 } });
  });
  it("an established packet gets its connection's DNAT without traversing nat", () => {
    const r = run(CLASSIC, { src: "203.0.113.7", dst: "198.51.100.1", dport: 443, state: "established" });
    expect(r.outcome).toBe("forwarded");
    expect(r.nat.map((n) => n.to)).toEqual(["172.17.0.2:443"]);
    expect(r.path.some((s) => s.table === "nat")).toBe(false);
    expect(r.decidedBy).toMatchObject({ chain: "FORWARD", line: 14 });
  });
});

describe("chain semantics", () => {
  it("goto: RETURN goes back to the caller of the chain that did the goto", () => {
    const r = run(CHAINS, { src: "10.1.2.3", dst: "198.51.100.1", dport: 80 });
    expect(steps(r, "filter")).toEqual(["filter/INPUT:19:CHECKS", "filter/CHECKS:24:GOTO-TARGET", "filter/GOTO-TARGET:27:RETURN", "filter/INPUT:11:policy:DROP"]);
    expect(r.outcome).toBe("dropped");
  });
  it("goto: falling off the goto target skips the rest of the calling chain", () => {
    const viaGoto = run(CHAINS, { src: "10.1.2.3", dst: "198.51.100.1", dport: 23 });
    expect(viaGoto.outcome).toBe("dropped");
    const direct = run(CHAINS, { src: "203.0.113.7", dst: "198.51.100.1", dport: 23 });
    expect(direct).toMatchObject({ outcome: "rejected", decidedBy: { chain: "CHECKS", line: 25 } });
  });
  it("goto target ACCEPT accepts", () => {
    expect(run(CHAINS, { src: "10.1.2.3", dst: "198.51.100.1", dport: 8000 })).toMatchObject({ outcome: "local", decidedBy: { chain: "GOTO-TARGET", line: 28 } });
  });
  it("LOG continues to the next rule", () => {
    const r = run(CHAINS, { src: "203.0.113.7", dst: "198.51.100.1", dport: 22, state: "invalid" });
    expect(steps(r, "filter").slice(-3)).toEqual(["filter/CHECKS:23:LOGDROP", "filter/LOGDROP:29:LOG", "filter/LOGDROP:30:DROP"]);
    expect(r.outcome).toBe("dropped");
  });
  it("a mark set in mangle is seen by filter", () => {
    const udp = run(CHAINS, { src: "203.0.113.7", dst: "198.51.100.1", proto: "udp", dport: 53 });
    expect(udp).toMatchObject({ outcome: "local", decidedBy: { chain: "INPUT", line: 18 } });
    expect(steps(udp)[0]).toBe("mangle/PREROUTING:7:MARK");
  });
  it("a connmark needs a connection: new packets do not carry it, established ones keep it", () => {
    // CONNMARK --set-xmark in mangle applies to the packet's connection, new or not
    const r = run(CHAINS, { src: "203.0.113.7", dst: "198.51.100.1", dport: 8443 });
    expect(r).toMatchObject({ outcome: "local", decidedBy: { chain: "INPUT", line: 22 } });
    const untracked = run(CHAINS, { src: "203.0.113.7", dst: "198.51.100.1", dport: 8443, state: "invalid" });
    expect(untracked.outcome).toBe("dropped");
  });
  it("an undecidable match on a LOG rule is a maybe in the path; the packet goes on to FORWARD's policy", () => {
    const r = run(CHAINS, { src: "203.0.113.7", dst: "8.8.8.8", in: "eth0", dport: 443 });
    expect(r).toMatchObject({ outcome: "dropped", decidedBy: { chain: "FORWARD", line: 12 } });
    expect(r.path.find((s) => s.line === 33)).toMatchObject({ target: "LOG", maybe: "depends on limit at line 33" });
  });
  it("ICMP type matches", () => {
    expect(run(CHAINS, { src: "203.0.113.7", dst: "198.51.100.1", proto: "icmp", icmpType: 8 }).outcome).toBe("local");
    expect(run(CHAINS, { src: "203.0.113.7", dst: "198.51.100.1", proto: "icmp", icmpType: 13 }).outcome).toBe("dropped");
  });
});

describe("NAT and conntrack", () => {
  it("kube-proxy load balancing is a nondeterministic choice: the first branch, and the other endpoint as an alternative", () => {
    const r = run(KUBE, { src: "203.0.113.7", dst: "10.96.0.10", dport: 53 });
    expect(r.outcome).toBe("forwarded");
    expect(r.reason).toBeUndefined();
    expect(r.choices).toEqual([{ table: "nat", chain: "KUBE-SVC-AAA", line: 23, matched: true }]);
    expect(r.nat.map((n) => n.to)).toEqual(["10.244.1.5:53", "198.51.100.1"]);
    expect(r.final).toMatchObject({ src: "198.51.100.1", sportChosen: expect.stringMatching(/MASQUERADE --random-fully/) });
    expect(steps(r, "nat").slice(0, 5)).toEqual(["nat/PREROUTING:15:KUBE-SERVICES", "nat/KUBE-SERVICES:18:KUBE-SVC-AAA", "nat/KUBE-SVC-AAA:22:KUBE-MARK-MASQ", "nat/KUBE-MARK-MASQ:31:MARK", "nat/KUBE-SVC-AAA:23:KUBE-SEP-A1"]);
    expect(r.alternatives).toHaveLength(1);
    const alt = r.alternatives![0]!;
    expect(alt.choices).toEqual([{ table: "nat", chain: "KUBE-SVC-AAA", line: 23, matched: false }]);
    expect(alt).toMatchObject({ outcome: "forwarded", final: { dst: "10.244.2.5", dport: 53 } });
    expect(alt.path.map((s) => `${s.chain}:${s.line}`)).toContain("KUBE-SVC-AAA:24");
    expect(alt.path.map((s) => s.line)).not.toContain(23);
    // the rule text of the alternative's lines is there too
    expect(r.rules?.["24"]).toBe("-A KUBE-SVC-AAA -j KUBE-SEP-A2");
  });
  it("statistic choices multiply: every combination is listed once, depth first", () => {
    const three = KUBE.replace(
      "-A KUBE-SVC-AAA -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A1\n",
      "-A KUBE-SVC-AAA -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-A1\n-A KUBE-SVC-AAA -m statistic --mode nth --every 2 --packet 0 -j KUBE-SEP-A2\n",
    );
    const r = run(three, { src: "10.244.9.9", dst: "10.96.0.10", dport: 53, in: "eth0" });
    const all = [r, ...(r.alternatives ?? [])];
    expect(all.map((x) => x.final.dst)).toEqual(["10.244.1.5", "10.244.2.5", "10.244.2.5"]);
    expect(all.map((x) => (x.choices ?? []).map((c) => `${c.line}:${c.matched}`).join(" "))).toEqual(["23:true", "23:false 24:true", "23:false 24:false"]);
  });
  it("statistic that always or never matches is no choice", () => {
    const always = KUBE.replace("--probability 0.50000000000", "--probability 1");
    const never = KUBE.replace("--probability 0.50000000000", "--probability 0");
    const p = { src: "203.0.113.7", dst: "10.96.0.10", dport: 53 };
    expect(run(always, p)).toMatchObject({ final: { dst: "10.244.1.5" } });
    expect(run(always, p).alternatives).toBeUndefined();
    expect(run(never, p)).toMatchObject({ final: { dst: "10.244.2.5" } });
    expect(run(never, p).choices).toBeUndefined();
  });
  it("a NodePort is DNATed, marked for masquerade, accepted by the mark, and masqueraded", () => {
    const r = run(KUBE, { src: "203.0.113.7", dst: "198.51.100.1", dport: 30443 });
    expect(r.outcome).toBe("forwarded");
    expect(r.nat.map((n) => `${n.kind} ${n.to}`)).toEqual(["DNAT 10.244.3.7:8443", "MASQUERADE 198.51.100.1"]);
    expect(r.decidedBy).toEqual({ table: "filter", chain: "KUBE-FORWARD", line: 43 });
  });
  it("raw NOTRACK: the packet is UNTRACKED and skips nat", () => {
    const r = run(RAW, { src: "203.0.113.7", dst: "198.51.100.1", proto: "udp", dport: 53 });
    expect(r).toMatchObject({ outcome: "local", nat: [], decidedBy: { chain: "INPUT", line: 12 } });
  });
  it("raw runs before conntrack: --ctstate INVALID matches there", () => {
    expect(run(RAW, { src: "203.0.113.7", dst: "198.51.100.1", dport: 9 })).toMatchObject({ outcome: "dropped", decidedBy: { table: "raw", line: 6 } });
  });
  it("--ctstate DNAT matches a DNATed connection", () => {
    const r = run(RAW, { src: "203.0.113.7", dst: "198.51.100.1", dport: 7, state: "established" });
    expect(r).toMatchObject({ outcome: "local", decidedBy: { line: 13 }, final: { dport: 7000 } });
    expect(run(RAW, { src: "203.0.113.7", dst: "198.51.100.1", dport: 8080, state: "established" }).outcome).toBe("dropped");
  });
  it("IPv6: DNAT to [fd00:1::2]:80 and the bridge from the MASQUERADE rule", () => {
    const d = parse(V6);
    const r = trace(d, { src: "2001:db8:ffff::7", dst: "2001:db8::1", dport: 8080 }, inferHost(d, { ifaces: ["eth0=2001:db8::1/64"] }));
    expect(r).toMatchObject({ outcome: "forwarded", final: { dst: "fd00:1::2", dport: 80, iface: "br-abc" } });
    expect(r.nat[0]).toMatchObject({ from: "[2001:db8::1]:8080", to: "[fd00:1::2]:80" });
  });
  it("from the host: a local destination loops back through lo without a second nat", () => {
    const r = run(CLASSIC, { src: "198.51.100.1", dst: "198.51.100.1", dport: 22, fromHost: true });
    expect(r.outcome).toBe("local");
    expect(r.routing).toEqual({ decision: "local", oif: "lo" });
    expect(r.path.filter((s) => s.table === "nat" && s.hook === "PREROUTING")).toEqual([]);
    expect(r.decidedBy).toMatchObject({ chain: "INPUT", line: 9 });
  });
  it("loopback destinations from outside are martians", () => {
    expect(run(CLASSIC, { src: "203.0.113.7", dst: "127.0.0.1", dport: 22 })).toMatchObject({ outcome: "dropped", decidedBy: null });
  });
});

describe("dockwall trace", () => {
  let cli: Cli;
  let file: string;
  beforeAll(async () => {
    cli = await buildCli();
    file = join(mkdtempSync(join(tmpdir(), "dw-trace-")), "rules.v4");
    writeFileSync(file, CLASSIC);
  }, 60_000);
  afterAll(() => cli?.dispose());

  it("prints the documented JSON shape", () => {
    const r = cli.run(["trace", file, "--src", "203.0.113.7", "--dst", "198.51.100.1", "--dport", "443", "--host-addr", "198.51.100.1", "--format", "json"]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(expect.arrayContaining(["version", "packet", "assumptions", "outcome", "final", "decidedBy", "path", "nat", "routing"]));
    expect(j).toMatchObject({ version: 1, outcome: "forwarded", final: { dst: "172.17.0.2", dport: 443, iface: "docker0" } });
    expect(j.path[0]).toEqual({ table: "nat", chain: "PREROUTING", line: 31, target: "DOCKER", hook: "PREROUTING" });
  });
  it("text output names the rules and the result, without colour when NO_COLOR is set", () => {
    const r = cli.run(["trace", file, "--src", "203.0.113.7", "--dst", "198.51.100.1", "--dport", "443"], { env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "" } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("DNAT 198.51.100.1:443 -> 172.17.0.2:443");
    expect(r.stdout).toMatch(/FORWARDED to 172\.17\.0\.2:443 out of docker0/);
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });
  it("a kube service: the first endpoint's path, and the other endpoint listed as an alternative (text and JSON)", () => {
    const kube = join(mkdtempSync(join(tmpdir(), "dw-trace-")), "kube.v4");
    writeFileSync(kube, KUBE);
    const args = ["trace", kube, "--src", "203.0.113.7", "--dst", "10.96.0.10", "--dport", "53"];
    const t = cli.run(args, { env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "" } });
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/result\s+FORWARDED to 10\.244\.1\.5:53/);
    expect(t.stdout).toContain("the path above took statistic at line 23: matched; 1 other result is possible:");
    expect(t.stdout).toMatch(/FORWARDED to 10\.244\.2\.5:53 out of eth0 .*\(statistic at line 23: not matched\)/);
    const j = JSON.parse(cli.run([...args, "--format", "json"]).stdout);
    expect(j.version).toBe(1);
    expect(j.choices).toEqual([{ table: "nat", chain: "KUBE-SVC-AAA", line: 23, matched: true }]);
    expect(j.alternatives).toHaveLength(1);
    expect(j.alternatives[0]).toMatchObject({ choices: [{ line: 23, matched: false }], outcome: "forwarded", final: { dst: "10.244.2.5", dport: 53 } });
  });
  it.each([
    [["--src", "203.0.113.7"], /needs --dst/],
    [["--src", "203.0.113.7", "--dst", "300.1.1.1"], /--dst '300\.1\.1\.1': not an IPv4 address/],
    [["--src", "203.0.113.7", "--dst", "198.51.100.1", "--iface", "eth0:198.51.100.1"], /--iface 'eth0:198\.51\.100\.1': expected NAME=ADDR\/PREFIX/],
    [["--src", "203.0.113.7", "--dst", "198.51.100.1", "--dport", "99999"], /--dport '99999': not a port/],
    [["--src", "2001:db8::1", "--dst", "198.51.100.1"], /--src '2001:db8::1': an IPv6 address, but the dump is IPv4/],
  ])("bad input %j: clear error, exit 2, no stack trace", (args, msg) => {
    const r = cli.run(["trace", file, ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });
});
