// An undecided match (limit, recent, hashlimit, ...) on a rule whose target
// cannot change what happens to the packet (LOG, NFLOG, no target) is not an
// undecided outcome: the packet goes on either way, and the rule shows as
// "maybe" in the path. Targets that do change the outcome (ACCEPT, a jump, a
// MARK a later rule reads) keep the packet undecided. The symbolic side is
// checked against these traces in agreement.test.ts (fixture "undecided").
import { describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { inferHost } from "../../src/engine/host.js";
import { trace } from "../../src/engine/trace.js";
import { analyze, analysisHost } from "../../src/engine/symbolic.js";
import { SymUniverse } from "../../src/engine/universe.js";
import type { TracePacket } from "../../src/engine/api.js";
import { UNDECIDED } from "./dumps.js";
import { formatTrace } from "../../src/cli/commands/trace.js";

const d = parse(UNDECIDED, { file: "undecided.rules" });
const host = inferHost(d, { ifaces: ["eth0=198.51.100.1/24", "eth1=10.9.0.1/24"] });
const run = (p: TracePacket) => trace(d, p, host);
const lines = (t: ReturnType<typeof run>) => t.path.filter((s) => s.table === "filter").map((s) => `${s.chain}:${s.line}:${s.target}${s.maybe ? ` maybe (${s.maybe})` : ""}`);

describe("undecided matches on rules that cannot change the verdict", () => {
  it("a forwarded packet passes ufw's rate-limited LOG and is dropped by FORWARD's policy", () => {
    const t = run({ src: "203.0.113.7", dst: "10.9.0.5", in: "eth0", dport: 443 });
    expect(t.outcome).toBe("dropped");
    expect(t.decidedBy).toEqual({ table: "filter", chain: "FORWARD", line: 11 });
    expect(t.reason).toBeUndefined();
    // dockwall trace's text: the reader sees that the LOG may not have happened, and that it did not matter
    expect(formatTrace(t, false)).toMatch(/line 24 {2}-> LOG if it matches \(depends on limit at line 24\); goes on either way/);
    expect(lines(t)).toEqual([
      "FORWARD:23:ufw-after-logging-forward",
      "ufw-after-logging-forward:24:LOG maybe (depends on limit at line 24)",
      "FORWARD:11:policy:DROP",
    ]);
  });
  it("a rule without a target (a counter) continues too; the next deciding rule decides", () => {
    const ssh = run({ src: "203.0.113.7", dst: "198.51.100.1", in: "eth0", dport: 22 });
    expect(ssh.outcome).toBe("local");
    expect(lines(ssh)).toEqual(["INPUT:17: maybe (depends on recent at line 17)", "INPUT:18:ACCEPT"]);
  });
  it("an undecided match on a jump stays undecided: the chain jumped to could decide", () => {
    const t = run({ src: "203.0.113.7", dst: "198.51.100.1", in: "eth0", dport: 443 });
    expect(t).toMatchObject({ outcome: "undecided", reason: "depends on limit at line 20", decidedBy: { chain: "INPUT", line: 20 } });
  });
  it("an undecided match on ACCEPT stays undecided", () => {
    const t = run({ src: "203.0.113.7", dst: "198.51.100.1", in: "eth0", dport: 80 });
    expect(t).toMatchObject({ outcome: "undecided", reason: "depends on hashlimit at line 19" });
  });
  it("an undecided match on a MARK stays undecided: a later -m mark reads it", () => {
    const t = run({ src: "203.0.113.7", dst: "198.51.100.1", in: "eth0", proto: "udp", dport: 53 });
    expect(t).toMatchObject({ outcome: "undecided", reason: "depends on limit at line 7", decidedBy: { table: "mangle", chain: "PREROUTING", line: 7 } });
  });
  it("the symbolic partition has no undecided part for forwarded packets, and says dropped by the policy", () => {
    const h = analysisHost([d], host);
    const u = new SymUniverse(d.family, h, [d]);
    const parts = analyze(d, { universe: u });
    const fwdNew = parts.filter((p) => p.path.some((s) => s.chain === "ufw-after-logging-forward"));
    expect(fwdNew.length).toBeGreaterThan(0);
    for (const p of fwdNew) {
      expect(p.outcome).toBe("dropped");
      expect(p.decidedBy).toEqual({ table: "filter", chain: "FORWARD", line: 11 });
      expect(p.path.find((s) => s.line === 24)?.maybe).toBe("depends on limit at line 24");
    }
    const undecided = new Set(parts.filter((p) => p.outcome === "undecided").map((p) => p.reason));
    expect([...undecided].sort()).toEqual(["depends on hashlimit at line 19", "depends on limit at line 20", "depends on limit at line 7"]);
  });
});
