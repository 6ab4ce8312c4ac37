// Reply-direction packets (--state reply): conntrack undoes the connection's
// NAT (destination before routing, source after filtering) without nat
// chains, raw and mangle PREROUTING see the reply as it arrived, and
// --ctdir/--ctorig*/--ctrepl*/--ctstatus describe the connection.
import { describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { inferHost } from "../../src/engine/host.js";
import { trace } from "../../src/engine/trace.js";
import { makeUniverse } from "../../src/engine/universe.js";
import type { TracePacket } from "../../src/engine/api.js";

const DUMP = `*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -d 172.17.0.2/32 ! -i docker0 -j DROP
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m tcp --dport 8443 -j DNAT --to-destination 172.17.0.2:443
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctdir REPLY -m conntrack --ctstate SNAT --ctorigsrc 172.17.0.0/16 -j ACCEPT
-A FORWARD -m conntrack --ctdir REPLY -m conntrack --ctstate DNAT --ctorigdst 198.51.100.1 --ctorigdstport 8443 -j ACCEPT
-A FORWARD -m conntrack --ctstate ESTABLISHED -j REJECT
-A FORWARD -i docker0 -j ACCEPT
-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT
COMMIT
`;
const d = parse(DUMP);
const host = inferHost(d, { ifaces: ["eth0=198.51.100.1/24"] });
const run = (p: TracePacket) => trace(d, p, host);

describe("reply-direction packets", () => {
  it("the answer to a container's masqueraded query: raw sees the host's address, FORWARD the container's; no nat chain runs", () => {
    const r = run({ state: "reply", proto: "udp", src: "1.1.1.1", sport: 53, dst: "198.51.100.1", dport: 40123, in: "eth0", orig: { src: "172.17.0.2", dst: "1.1.1.1", sport: 40000, dport: 53 } });
    expect(r).toMatchObject({ outcome: "forwarded", final: { src: "1.1.1.1", sport: 53, dst: "172.17.0.2", dport: 40000, iface: "docker0" }, decidedBy: { table: "filter", chain: "FORWARD", line: 18 }, nat: [] });
    expect(r.path.map((s) => `${s.table}/${s.chain}:${s.line}`)).toEqual(["raw/PREROUTING:2", "filter/FORWARD:18"]);
    expect(r.packet.reply).toEqual({ src: "172.17.0.2", dst: "1.1.1.1", sport: 40000, dport: 53 });
  });
  it("the container's answer to a DNATed connection leaves with the host's address and the published port", () => {
    const r = run({ state: "reply", src: "172.17.0.2", sport: 443, dst: "203.0.113.7", dport: 40000, in: "docker0", orig: { src: "203.0.113.7", dst: "198.51.100.1", sport: 40000, dport: 8443 } });
    expect(r).toMatchObject({ outcome: "forwarded", final: { src: "198.51.100.1", sport: 8443, dst: "203.0.113.7", dport: 40000, iface: "eth0" }, decidedBy: { line: 19 } });
  });
  it("the same header in the original direction is not a reply: --ctdir REPLY fails, ESTABLISHED rejects", () => {
    const r = run({ state: "established", src: "172.17.0.2", sport: 443, dst: "203.0.113.7", dport: 40000, in: "docker0" });
    expect(r).toMatchObject({ outcome: "rejected", decidedBy: { line: 20 } });
  });
  it("without orig the connection had no NAT: the header goes through unchanged, and --ctstate has neither SNAT nor DNAT", () => {
    const r = run({ state: "reply", src: "203.0.113.7", sport: 443, dst: "172.17.0.9", dport: 40000, in: "eth0" });
    expect(r).toMatchObject({ outcome: "rejected", decidedBy: { line: 20 }, final: { src: "203.0.113.7", dst: "172.17.0.9", sport: 443, dport: 40000 } });
    expect(r.packet.reply).toEqual({ src: "172.17.0.9", dst: "203.0.113.7", sport: 40000, dport: 443 });
  });
  it("a forward packet to the container from outside is dropped in raw (the reply above was not)", () => {
    expect(run({ src: "1.1.1.1", sport: 53, dst: "172.17.0.2", dport: 40000, proto: "udp", in: "eth0" })).toMatchObject({ outcome: "dropped", decidedBy: { table: "raw", line: 4 } });
  });
  it("orig only with state reply; the symbolic universe refuses reply packets instead of treating them as original", () => {
    expect(() => run({ src: "1.1.1.1", dst: "198.51.100.1", state: "established", orig: { src: "172.17.0.2", dst: "1.1.1.1" } })).toThrow(/only for --state reply/);
    const u = makeUniverse([d], host);
    expect(() => u.point({ src: "1.1.1.1", dst: "198.51.100.1", state: "reply" })).toThrow(/not in the symbolic model/);
  });
});
