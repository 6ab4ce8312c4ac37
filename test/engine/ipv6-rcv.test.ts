// IPv6 addresses ip6_rcv_core drops before any netfilter hook (loopback from
// another interface, interface-local or scope-0 multicast, a multicast
// source): no rule sees them, in the tracer and in the symbolic partition.
import { describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { inferHost } from "../../src/engine/host.js";
import { trace } from "../../src/engine/trace.js";
import { analyze } from "../../src/engine/symbolic.js";
import { makeUniverse } from "../../src/engine/universe.js";
import type { TracePacket } from "../../src/engine/api.js";

// DNAT of everything to the host's port 80 would take ::1 to a socket if nat saw it
const V6 = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination [2001:db8::1]:80
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT
COMMIT
`;
const d = parse(V6, { family: "ipv6" });
const host = inferHost(d, { ifaces: ["eth0=2001:db8::1/64"] });
const t = (p: Partial<TracePacket>) => trace(d, { src: "2001:db8:ffff::7", dst: "2001:db8::1", dport: 8080, in: "eth0", ...p }, host);

describe("ip6_rcv_core drops before netfilter", () => {
  it.each([
    [{ dst: "::1" }, /loopback destination/],
    [{ src: "::1" }, /loopback source/],
    [{ dst: "ff01::1", proto: "udp" }, /interface-local IPv6 multicast/],
    [{ dst: "ff10::5", proto: "udp" }, /reserved scope 0/],
    [{ src: "ff02::1" }, /multicast source/],
  ] as const)("%j: dropped with no rule path and no routing", (p, reason) => {
    const r = t(p);
    expect(r).toMatchObject({ outcome: "dropped", decidedBy: null, path: [], nat: [], routing: null });
    expect(r.reason).toMatch(reason);
  });
  it("others go on: link- and site-local multicast, and ::1 arriving on lo", () => {
    expect(t({ dst: "ff02::1", proto: "udp" }).reason).toBeUndefined();
    expect(t({ dst: "ff05::1", proto: "udp" }).reason).toBeUndefined();
    expect(t({ dst: "::1", in: "lo", dport: 80 }).outcome).toBe("local");
    expect(t({}).nat.map((n) => n.to)).toEqual(["[2001:db8::1]:80"]);
  });
  it("the symbolic partition has them as parts of their own, decided by nothing", () => {
    const u = makeUniverse([d], host);
    const parts = analyze(d, { universe: u, host });
    const home = (p: TracePacket) => parts.filter((x) => u.contains(x.set, p)).map((x) => [x.outcome, x.reason, x.path.length]);
    expect(home({ src: "2001:db8:ffff::7", dst: "::1", dport: 8080, in: "eth0" })).toEqual([["dropped", expect.stringMatching(/loopback destination/), 0]]);
    expect(home({ src: "2001:db8:ffff::7", dst: "ff01::1", dport: 8080, proto: "udp", in: "eth0" })).toEqual([["dropped", expect.stringMatching(/interface-local/), 0]]);
    expect(home({ src: "2001:db8:ffff::7", dst: "2001:db8::1", dport: 8080, in: "eth0" })).toEqual([["local", undefined, 3]]);
  });
});
