// ruleMatch and routed chainVerdicts (the contract lint asked for in
// src/lint/ENGINE-NEEDS.md), checked against the concrete tracer's own
// evaluation of each rule on packets built from the values the dump names.
import { describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { chainVerdicts, ruleMatch, type Hook, type TracePacket } from "../../src/engine/api.js";
import { addrTypeOf, connectedIface, inferHost } from "../../src/engine/host.js";
import { evalConstraint } from "../../src/engine/trace.js";
import { initialEnv } from "../../src/engine/env.js";
import { semantics } from "../../src/engine/rules.js";
import { SymUniverse } from "../../src/engine/universe.js";
import type { Dump, Rule } from "../../src/syntax/ast.js";
import { formatAddr } from "../../src/syntax/inet.js";
import { rng } from "./rng.js";
import { CHAINS, CLASSIC, KUBE, NATPORTS } from "./dumps.js";

const HOOKS: Hook[] = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

function packets(d: Dump, u: SymUniverse, n: number, fromHost: boolean): TracePacket[] {
  const r = rng(n);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const addrs = new Set<string>(["203.0.113.7", "8.8.8.8", "127.0.0.1", "10.1.2.3", "172.17.0.2", "172.17.0.1", "10.244.3.7"]);
  for (const i of u.host.ifaces) for (const a of i.addrs) addrs.add(a.addr);
  for (const t of d.tables.values()) for (const c of t.chains.values()) for (const rule of c.rules) for (const a of [rule.src, rule.dst]) if (a) addrs.add(a.addr);
  const ifaces = u.atoms.names.filter((x): x is string => x !== null && x !== "lo");
  const out: TracePacket[] = [];
  for (let i = 0; i < n; i++) {
    const proto = pick(["tcp", "udp", "icmp"]);
    out.push({
      src: pick([...addrs]),
      dst: pick([...addrs]),
      proto,
      ...(proto !== "icmp" ? { sport: pick([40000, 53, 80]), dport: pick([22, 23, 53, 80, 443, 8443, 30443]) } : {}),
      ...(fromHost ? { fromHost: true } : { in: pick(ifaces) }),
      state: pick(["new", "established", "related", "invalid"] as const),
    });
  }
  return out;
}

/** Where the host would route the packet at the hook, the way the kernel names it for -o. */
function oifAt(u: SymUniverse, hook: Hook, dst: bigint, fromHost: boolean): string | null {
  if (hook === "PREROUTING" || hook === "INPUT") return null;
  const t = addrTypeOf(u.host, dst);
  if (t === "LOCAL" || t === "BROADCAST" || t === "MULTICAST") return hook !== "FORWARD" && fromHost ? "lo" : null;
  return connectedIface(u.host, dst)?.name ?? u.host.defaultIface;
}

const builtinRules = (d: Dump): Rule[] => [...d.tables.values()].flatMap((t) => [...t.chains.values()].filter((c) => c.builtin).flatMap((c) => c.rules));

describe("ruleMatch: the packets a rule's matches accept", () => {
  for (const [name, text] of [["classic", CLASSIC], ["chains", CHAINS], ["kube", KUBE], ["nat-ports", NATPORTS]] as const) {
    it(`${name}: a packet is in ruleMatch exactly when the tracer's evaluation of the rule says true`, () => {
      const d = parse(text);
      const host = inferHost(d, { ifaces: ["eth0=198.51.100.1/24"] });
      const u = new SymUniverse(d.family, host, [d]);
      let matched = 0;
      let checked = 0;
      for (const rule of builtinRules(d)) {
        const hook = rule.chain as Hook;
        expect(HOOKS).toContain(hook);
        const fromHost = hook === "OUTPUT";
        const input = fromHost ? u.localOut() : hook === "POSTROUTING" ? u.all() : u.inbound();
        const m = ruleMatch(d, rule, input, { universe: u, hook });
        const sem = semantics(rule, d.family);
        for (const p of packets(d, u, 60, fromHost)) {
          const pkt = u.pkt(p);
          const env = { ...initialEnv(), preCt: rule.table === "raw", oif: oifAt(u, hook, pkt.dst, fromHost) };
          const truth = evalConstraint(sem.match, pkt, env, host);
          if (typeof truth !== "boolean") continue;
          expect(u.contains(m, p), `line ${rule.span.line} at ${hook}: ${JSON.stringify(p)} (oif ${env.oif})`).toBe(truth);
          checked++;
          if (truth) matched++;
        }
      }
      expect(checked).toBeGreaterThan(100);
      expect(matched).toBeGreaterThan(10);
    });
  }
  it("-o after routing: classic's FORWARD -o docker0 matches exactly the packets routed to docker0's subnet", () => {
    const d = parse(CLASSIC);
    const u = new SymUniverse(d.family, inferHost(d, { ifaces: ["eth0=198.51.100.1/24"] }), [d]);
    const rule = d.tables.get("filter")!.chains.get("FORWARD")!.rules.find((r) => r.outIface && !r.outIface.neg && !r.inIface)!;
    const m = ruleMatch(d, rule, u.inbound(), { universe: u, hook: "FORWARD" });
    const toBridge = u.inbound().intersect(u.of({ k: "addr", field: "dst", ranges: [[0xac110000n, 0xac11ffffn]] }));
    // line 12 also wants RELATED,ESTABLISHED; the gateway 172.17.0.1 is the host's (never forwarded)
    const expected = toBridge.intersect(u.of({ k: "ctstate", states: ["RELATED", "ESTABLISHED"] })).subtract(u.of({ k: "addr", field: "dst", ranges: [[0xac110001n, 0xac110001n], [0xac11ffffn, 0xac11ffffn]] }));
    expect(m.equals(expected)).toBe(true);
  });
});

describe("chainVerdicts with routed: true", () => {
  const text = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -o docker0 -j ACCEPT
-A OUTPUT -o lo -j ACCEPT
-A OUTPUT -o eth0 -j REJECT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
COMMIT
`;
  const d = parse(text);
  const u = new SymUniverse(d.family, inferHost(d, { ifaces: ["eth0=198.51.100.1/24"] }), [d]);
  const verdictOf = (parts: ReturnType<typeof chainVerdicts>, p: TracePacket) => parts.filter((x) => u.contains(x.set, p)).map((x) => x.verdict);
  it("FORWARD: -o sees the bridge the destination is routed to; unrouted, -o never matches", () => {
    const routed = chainVerdicts(d, "filter", "FORWARD", u.inbound(), { universe: u, hook: "FORWARD", routed: true });
    const plain = chainVerdicts(d, "filter", "FORWARD", u.inbound(), { universe: u, hook: "FORWARD" });
    const toContainer: TracePacket = { src: "203.0.113.7", dst: "172.17.0.2", dport: 80, in: "eth0" };
    const outward: TracePacket = { src: "172.17.0.2", dst: "8.8.8.8", dport: 53, proto: "udp", in: "docker0" };
    expect(verdictOf(routed, toContainer)).toEqual(["accept"]);
    expect(verdictOf(routed, outward)).toEqual(["policy-drop"]);
    expect(verdictOf(plain, toContainer)).toEqual(["policy-drop"]);
    // still a partition of the input
    const union = routed.reduce((a, p) => a.union(p.set), u.empty());
    expect(union.equals(u.inbound())).toBe(true);
    for (let i = 0; i < routed.length; i++) for (let j = i + 1; j < routed.length; j++) expect(routed[i]!.set.intersect(routed[j]!.set).isEmpty()).toBe(true);
  });
  it("OUTPUT: the host's own addresses leave by lo, others by their interface", () => {
    const parts = chainVerdicts(d, "filter", "OUTPUT", u.localOut(), { universe: u, hook: "OUTPUT", routed: true });
    expect(verdictOf(parts, { src: "198.51.100.1", dst: "198.51.100.1", dport: 22, fromHost: true })).toEqual(["accept"]);
    expect(verdictOf(parts, { src: "198.51.100.1", dst: formatAddr(0x08080808n, "ipv4"), dport: 22, fromHost: true })).toEqual(["reject"]);
    expect(verdictOf(parts, { src: "198.51.100.1", dst: "172.17.0.9", dport: 22, fromHost: true })).toEqual(["policy-accept"]);
  });
  it("POSTROUTING: ! -o docker0 masquerades only what leaves by another interface", () => {
    const parts = chainVerdicts(d, "nat", "POSTROUTING", u.inbound(), { universe: u, hook: "POSTROUTING", routed: true });
    expect(verdictOf(parts, { src: "172.17.0.2", dst: "8.8.8.8", dport: 53, proto: "udp", in: "docker0" })).toEqual(["nat"]);
    expect(verdictOf(parts, { src: "172.17.0.2", dst: "172.17.0.3", dport: 53, proto: "udp", in: "docker0" })).toEqual(["policy-accept"]);
  });
});
