// Packet sets the rules ask about, built as constraints over the arriving
// packet: traffic from containers, to containers, to loopback, and so on.
import { and, not, or, type Constraint, type CtState } from "../extensions/packet.js";
import { ADDR_BITS, maskOfPrefix, parseAddr } from "../syntax/inet.js";
import type { PacketSet } from "../engine/api.js";
import type { EngineView } from "./engine.js";

export function cidrRange(view: EngineView, addr: string, prefix: number): readonly [bigint, bigint] {
  const fam = view.host.family;
  const mask = maskOfPrefix(prefix, fam);
  const a = parseAddr(addr, fam)! & mask;
  return [a, a | (~mask & ((1n << BigInt(ADDR_BITS[fam])) - 1n))];
}

/** Arriving on one of the bridges (containers' own traffic). */
export function fromBridges(view: EngineView): Constraint {
  return or(...view.bridges.map((b) => ({ k: "iface", dir: "in", name: b.name }) as Constraint));
}

/** Addressed to a bridge subnet (a container, or the gateway). */
export function toBridgeNets(view: EngineView, bridges: EngineView["bridges"] = view.bridges): Constraint {
  const ranges = bridges.flatMap((b) => b.addrs.map((a) => cidrRange(view, a.addr, a.prefix)));
  return ranges.length ? { k: "addr", field: "dst", ranges } : { k: "false" };
}

export function state(...states: CtState[]): Constraint {
  return { k: "ctstate", states };
}

export function loopbackDst(view: EngineView): Constraint {
  return view.host.family === "ipv4" ? { k: "addr", field: "dst", ranges: [cidrRange(view, "127.0.0.0", 8)] } : { k: "addr", field: "dst", ranges: [cidrRange(view, "::1", 128)] };
}

export function setOf(view: EngineView, ...cs: Constraint[]): PacketSet {
  return view.u.inbound().intersect(view.u.of(and(...cs)));
}

export { and, not, or };

/**
 * `or` of many constraints as a balanced tree: the universe folds an `or` left
 * to right, so one flat `or` of thousands of terms (a kube node's published
 * endpoints) costs quadratic time, and a balanced one n log n.
 */
export function anyOf(cs: readonly Constraint[]): Constraint {
  if (cs.length === 0) return { k: "false" };
  if (cs.length === 1) return cs[0]!;
  const mid = cs.length >> 1;
  return { k: "or", cs: [anyOf(cs.slice(0, mid)), anyOf(cs.slice(mid))] };
}

/**
 * `-o NAME` as a test on the destination as the packet arrived: a destination
 * in a bridge's subnet leaves by that bridge, the rest by the default
 * interface. Not routing: the bridge's gateway address (a host address, which
 * routing keeps on the host) counts as the bridge's too. DW105 asks about
 * FORWARD rules with the arriving header, and a packet to the gateway on a
 * published port is DNATed to a container and does leave by the bridge; the
 * engine's routed queries (ruleMatch, chainVerdicts routed) see it as the
 * host's and give it no output interface.
 */
export function outIfaceAsDst(view: EngineView, m: { neg: boolean; value: string }): Constraint {
  const wildcard = m.value.endsWith("+");
  const matches = (name: string) => (wildcard ? name.startsWith(m.value.slice(0, -1)) : name === m.value);
  const subnets = (names: (n: string) => boolean) =>
    view.host.ifaces.filter((i) => names(i.name)).flatMap((i) => i.addrs.map((a) => cidrRange(view, a.addr, a.prefix)));
  const cs: Constraint[] = [];
  const own = subnets(matches);
  if (own.length) cs.push({ k: "addr", field: "dst", ranges: own });
  if (matches(view.host.defaultIface)) {
    const known = subnets(() => true);
    cs.push(known.length ? not({ k: "addr", field: "dst", ranges: known }) : { k: "true" });
  }
  return not(or(...cs), m.neg);
}
