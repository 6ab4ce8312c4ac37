// Source NAT that leaves the port to the kernel (--random, --random-fully, a
// port range): no result states that port, and a later --sport test is
// undecided, in the concrete tracer and in the symbolic partition alike.
import { describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { inferHost } from "../../src/engine/host.js";
import { trace } from "../../src/engine/trace.js";
import { analyze } from "../../src/engine/symbolic.js";
import { makeUniverse } from "../../src/engine/universe.js";
import type { TracePacket } from "../../src/engine/api.js";
import { NATPORTS } from "./dumps.js";

const dump = parse(NATPORTS);
const host = inferHost(dump, { ifaces: ["eth0=198.51.100.1/24"] });
const run = (p: TracePacket) => trace(dump, p, host);
const out = (src: string, extra: Partial<TracePacket> = {}) => run({ src, dst: "203.0.113.9", dport: 443, sport: 40000, in: "docker0", ...extra });

describe("a source port the kernel picks", () => {
  it("MASQUERADE --random-fully: final has no sport but says who picks it; the NAT step has no port", () => {
    const r = out("172.17.0.2");
    expect(r.outcome).toBe("forwarded");
    expect(r.final.sport).toBeUndefined();
    expect(r.final.sportChosen).toBe("picked by the kernel: MASQUERADE --random-fully at line 6");
    expect(r.final).toMatchObject({ src: "198.51.100.1", dport: 443, iface: "eth0" });
    expect(r.nat).toEqual([{ kind: "MASQUERADE", line: 6, from: "172.17.0.2:40000", to: "198.51.100.1", portChosen: "picked by the kernel: MASQUERADE --random-fully at line 6" }]);
  });
  it("a port range picks (even when the original port is inside it: it may be taken)", () => {
    const r = out("172.18.0.2", { in: "br-one" });
    expect(r.final.sport).toBeUndefined();
    expect(r.final.sportChosen).toMatch(/MASQUERADE --to-ports range 20000-20999 at line 7/);
  });
  it("one port given: that port, --random or not; no flag and no port: the original port", () => {
    expect(out("10.9.0.2", { in: "eth1" }).final).toMatchObject({ src: "198.51.100.1", sport: 5000 });
    expect(out("10.9.0.2", { in: "eth1" }).final.sportChosen).toBeUndefined();
    expect(out("10.8.0.2", { in: "eth1" }).final).toMatchObject({ src: "198.51.100.1", sport: 40000 });
  });
  it("a rule testing the picked port afterwards is undecided; the kept port is still evaluated", () => {
    const tcp = run({ src: "198.51.100.1", dst: "198.51.100.1", dport: 8081, sport: 40000, fromHost: true });
    expect(tcp.outcome).toBe("undecided");
    expect(tcp.reason).toBe("depends on the source port the kernel picked at line 17");
    const udp = run({ src: "198.51.100.1", dst: "198.51.100.1", proto: "udp", dport: 8081, sport: 40000, fromHost: true });
    expect(udp).toMatchObject({ outcome: "rejected", final: { src: "127.0.0.1", sport: 40000 } });
  });
  it("symbolic parts say the same: rewritten.sportChosen instead of sport, and undecided after the loopback", () => {
    const u = makeUniverse([dump], host);
    const parts = analyze(dump, { universe: u, host });
    const masq = parts.filter((p) => p.nat.some((n) => n.kind === "MASQUERADE" && n.line === 6));
    expect(masq.length).toBeGreaterThan(0);
    for (const p of masq) {
      expect(p.rewritten.sport).toBeUndefined();
      expect(p.rewritten.sportChosen).toBe("picked by the kernel: MASQUERADE --random-fully at line 6");
      expect(p.nat.find((n) => n.line === 6)).toEqual({ kind: "MASQUERADE", line: 6, addr: expect.any(String), portChosen: "picked by the kernel: MASQUERADE --random-fully at line 6" });
    }
    const local = analyze(dump, { universe: u, host, direction: "local-out" });
    const pt = u.point({ src: "198.51.100.1", dst: "198.51.100.1", dport: 8081, sport: 40000, fromHost: true });
    const home = local.filter((p) => !p.set.intersect(pt).isEmpty());
    expect(home.map((p) => [p.outcome, p.reason])).toEqual([["undecided", "depends on the source port the kernel picked at line 17"]]);
  });
});

describe("--iface replaces what the dump suggested for that interface", () => {
  const v6 = parse(`*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s fd49:efd7:54aa::/64 ! -o br-dummy -j MASQUERADE
-A POSTROUTING -s fd00:2::/64 ! -o br-two -j MASQUERADE
-A OUTPUT -m addrtype --dst-type LOCAL -j DNAT --to-destination [::1]:9
COMMIT
`, { family: "ipv6" });
  it("the guessed gateway ::1 goes; other bridges keep theirs; the assumption is no longer printed", () => {
    const inferred = inferHost(v6);
    expect(inferred.ifaces.find((i) => i.name === "br-dummy")?.addrs).toEqual([{ addr: "fd49:efd7:54aa::1", prefix: 64 }]);
    expect(inferred.assumptions.some((a) => a.startsWith("br-dummy:"))).toBe(true);
    const h = inferHost(v6, { ifaces: ["br-dummy=fd49:efd7:54aa::2/64", "br-dummy=fd49:efd7:54aa::3/64"] });
    expect(h.ifaces.find((i) => i.name === "br-dummy")).toEqual({ name: "br-dummy", origin: "option", addrs: [{ addr: "fd49:efd7:54aa::2", prefix: 64 }, { addr: "fd49:efd7:54aa::3", prefix: 64 }] });
    expect(h.ifaces.find((i) => i.name === "br-two")?.addrs).toEqual([{ addr: "fd00:2::1", prefix: 64 }]);
    expect(h.assumptions.some((a) => a.startsWith("br-dummy:"))).toBe(false);
    expect(h.assumptions.some((a) => a.startsWith("br-two:"))).toBe(true);
  });
  it("so the old gateway is a container: the host's packets to it leave on the bridge instead of being DNATed as local", () => {
    const h = inferHost(v6, { ifaces: ["br-dummy=fd49:efd7:54aa::2/64", "eth0=2001:db8::1/64"] });
    const r = trace(v6, { src: "fd49:efd7:54aa::2", dst: "fd49:efd7:54aa::1", dport: 80, fromHost: true }, h);
    expect(r).toMatchObject({ outcome: "forwarded", final: { dst: "fd49:efd7:54aa::1", dport: 80, iface: "br-dummy" }, nat: [] });
    const before = trace(v6, { src: "fd49:efd7:54aa::2", dst: "fd49:efd7:54aa::1", dport: 80, fromHost: true }, inferHost(v6, { ifaces: ["eth0=2001:db8::1/64"] }));
    expect(before.nat[0]).toMatchObject({ kind: "DNAT", to: "[::1]:9" });
  });
});
