// Raw-table drops as Docker 28 installs them, for hosts whose Docker does not:
// DW106 (a port published on 127.0.0.1 is reachable from the LAN: drop
// loopback-addressed packets that did not arrive on lo) and DW107 (container
// addresses reachable by routing: drop packets addressed to a bridge's subnet
// that did not arrive on that bridge). Raw PREROUTING runs before conntrack
// and NAT, so published ports (addressed to the host) are untouched, and so
// are replies to containers (also addressed to the host until conntrack
// restores the container's address).
import type { OutcomePart } from "../../engine/api.js";
import type { Rule } from "../../syntax/ast.js";
import type { Finding } from "../../lint/types.js";
import { authorRule } from "../author.js";
import type { BuildContext } from "../context.js";
import type { Edit, FixPlan } from "../types.js";
import { notNew } from "../sets.js";
import { bridges, subjectRule, union } from "./common.js";

const PORTED = new Set(["tcp", "udp", "sctp"]);

/** DW106: `-t raw -I PREROUTING -d 127.0.0.1/32 ! -i lo -p tcp -m tcp --dport N -j DROP`, per published loopback port. */
export function loopbackDropFix(f: Finding, ctx: BuildContext): FixPlan[] | string {
  const dnat = subjectRule(f, ctx);
  if (!dnat || dnat.target?.name !== "DNAT") return "the finding names no DNAT rule";
  if (!dnat.dst || dnat.dst.neg) return "the DNAT rule is not bound to a loopback address";
  const fam = ctx.dump.family;
  const proto = dnat.proto && !dnat.proto.neg ? dnat.proto.value : undefined;
  const dport = dnat.matches.find((m) => PORTED.has(m.name))?.options.find((o) => o.name === "--dport" && !o.neg)?.args[0];
  const port = proto && PORTED.has(proto) && dport ? ` -p ${proto} -m ${proto} --dport ${dport}` : "";
  const dst = `${dnat.dst.addr}/${dnat.dst.prefix ?? dnat.dst.mask}`;
  const drop = authorRule(fam, "raw", `-A PREROUTING -d ${dst} ! -i lo${port} -j DROP`);
  const line = dnat.span.line;
  return [
    {
      finding: f,
      strategy: "raw",
      name: "raw-drop",
      description: `Drops, in raw PREROUTING, packets to ${dst}${port ? ` ${proto}/${dport}` : ""} that did not arrive on lo, as Docker 28 does: a neighbour can no longer reach the port published on the loopback address. The host's own connections (on lo) are untouched.`,
      edits: [{ kind: "insert", table: "raw", chain: "PREROUTING", index: 0, rule: drop }],
      intent: ({ u, before }) => {
        const remote = u.of({ k: "not", c: { k: "iface", dir: "in", name: "lo" } });
        const loop = u.of(fam === "ipv4" ? { k: "addr", field: "dst", ranges: [[0x7f000000n, 0x7fffffffn]] } : { k: "addr", field: "dst", ranges: [[1n, 1n]] });
        const dnated = union(u, before.filter((p) => p.outcome === "forwarded" && p.nat.some((n) => n.kind === "DNAT" && n.line === line)).map((p) => p.set));
        return { bad: dnated.intersect(remote).intersect(loop), keep: u.empty() };
      },
    },
  ];
}

/** DW107: per bridge, `-t raw -I PREROUTING -d SUBNET ! -i BRIDGE -m addrtype --dst-type UNICAST -j DROP`. */
export function directRoutingDropFix(f: Finding, ctx: BuildContext): FixPlan[] | string {
  const fam = ctx.dump.family;
  const nets = bridges(ctx);
  if (nets.length === 0) return "no Docker bridge subnet is known from the dump";
  const drops: Rule[] = [];
  for (const b of nets) {
    // UNICAST: the bridge's own (LOCAL) address and its broadcast address stay the host's business
    drops.push(authorRule(fam, "raw", `-A PREROUTING -d ${b.addr}/${b.prefix} ! -i ${b.name} -m addrtype --dst-type UNICAST -j DROP`));
  }
  const edits: Edit[] = drops.map((rule) => ({ kind: "insert", table: "raw", chain: "PREROUTING", index: 0, rule }));
  const names = [...new Set(nets.map((b) => b.name))];
  void subjectRule;
  return [
    {
      finding: f,
      strategy: "raw",
      name: "raw-drop",
      description: `Drops, in raw PREROUTING, packets addressed to a container subnet (${nets.map((b) => `${b.addr}/${b.prefix} on ${b.name}`).join(", ")}) that did not arrive on its bridge, as Docker 28 does per container: routing straight to containers stops, published ports (addressed to the host) keep working.`,
      edits,
      intent: ({ u, before }) => {
        const fresh = u.of({ k: "ctstate", states: ["NEW"] });
        const fromBridges = union(u, names.map((n) => u.of({ k: "iface", dir: "in", name: n })));
        const routedStraight = (p: OutcomePart) => p.nat.every((n) => n.kind !== "DNAT") && !!p.routing?.oif && names.includes(p.routing.oif);
        const direct = before.filter((p) => p.outcome === "forwarded" && routedStraight(p));
        // Routed straight to a container, but the engine cannot say whether
        // FORWARD let it through (-m recent or a set on an ACCEPT; a limited
        // LOG no longer leaves packets undecided): if it did, it is the
        // finding's own traffic; if not, it was dropped anyway.
        // Either way the drop is what Docker 28 does for every such packet.
        // The later packets of those connections go with them, as they do for `bad`.
        const maybe = union(u, before.filter((p) => p.outcome === "undecided" && routedStraight(p)).map((p) => p.set)).subtract(fromBridges);
        // A packet past NEW, from outside and addressed straight to a container,
        // belongs to a connection routed straight to it: replies to the
        // containers' own connections are masqueraded, so they reach raw
        // addressed to the host (the reply check holds the drop to that).
        const later = union(u, before.filter(routedStraight).map((p) => p.set)).intersect(notNew(u)).subtract(fromBridges);
        const mayChange = maybe.union(u.anyState(maybe).intersect(notNew(u))).union(later);
        return { bad: union(u, direct.map((p) => p.set)).intersect(fresh).subtract(fromBridges), keep: u.empty(), mayChange };
      },
    },
  ];
}
