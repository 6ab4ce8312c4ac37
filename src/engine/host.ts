// The host a dump came from: interfaces, addresses, and what follows from them
// (addrtype classes and the routing decision). Docker's own rules tell us most
// of it; the rest comes from --host-addr / --iface or a documented default.
import type { Dump, Family } from "../syntax/ast.js";
import { ADDR_BITS, formatAddr, maskOfPrefix, parseAddr, parseCidr } from "../syntax/inet.js";
import type { AddrType } from "../extensions/packet.js";
import { parseNatRange } from "../extensions/targets/nat-range.js";
import type { HostIface, HostModel, HostOptions } from "./api.js";

/** Bad engine input (an address, an interface option): exit 2 with a message. */
export class EngineInputError extends Error {}

export type Range = readonly [bigint, bigint];

export const DEFAULT_IFACE = "eth0";
const PLACEHOLDER: Record<Family, { addr: string; prefix: number }> = {
  ipv4: { addr: "198.51.100.1", prefix: 24 },
  ipv6: { addr: "2001:db8::1", prefix: 64 },
};

const IFNAME = /^[^\s/=:]{1,15}$/;

/** `NAME=ADDR/PREFIX` as given to --iface. */
export function parseIfaceOption(text: string, family?: Family): { name: string; addr: string; prefix: number; family: Family } {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new EngineInputError(`--iface '${text}': expected NAME=ADDR/PREFIX, e.g. eth0=203.0.113.5/24`);
  const name = text.slice(0, eq);
  if (!IFNAME.test(name)) throw new EngineInputError(`--iface '${text}': '${name}' is not an interface name (1 to 15 characters, no spaces, '/', '=' or ':')`);
  const rest = text.slice(eq + 1);
  const slash = rest.indexOf("/");
  if (slash < 0 || !/^\d+$/.test(rest.slice(slash + 1))) throw new EngineInputError(`--iface '${text}': expected ADDR/PREFIX after '=', e.g. ${name}=203.0.113.5/24`);
  const a = rest.slice(0, slash);
  const fam: Family | undefined = parseAddr(a, "ipv4") !== undefined ? "ipv4" : parseAddr(a, "ipv6") !== undefined ? "ipv6" : undefined;
  if (!fam) throw new EngineInputError(`--iface '${text}': '${a}' is not an IPv4 or IPv6 address`);
  const prefix = Number(rest.slice(slash + 1));
  if (prefix > ADDR_BITS[fam]) throw new EngineInputError(`--iface '${text}': prefix /${prefix} is longer than ${ADDR_BITS[fam]} bits`);
  if (family && fam !== family) throw new EngineInputError(`--iface '${text}': an ${fam === "ipv4" ? "IPv4" : "IPv6"} address, but the dump is ${family === "ipv4" ? "IPv4" : "IPv6"}`);
  return { name, addr: formatAddr(parseAddr(a, fam)!, fam), prefix, family: fam };
}

export function parseHostAddr(text: string, family: Family, what = "--host-addr"): bigint {
  const v = parseAddr(text, family);
  if (v === undefined) {
    const other = parseAddr(text, family === "ipv4" ? "ipv6" : "ipv4");
    throw new EngineInputError(
      other !== undefined
        ? `${what} '${text}': an ${family === "ipv4" ? "IPv6" : "IPv4"} address, but the dump is ${family === "ipv4" ? "IPv4" : "IPv6"}`
        : `${what} '${text}': not an ${family === "ipv4" ? "IPv4" : "IPv6"} address`,
    );
  }
  return v;
}

class Builder {
  ifaces = new Map<string, HostIface>();
  assumptions: string[] = [];
  /** What was inferred per interface, so an --iface for it can take its place. */
  inferred = new Map<string, string>();
  constructor(readonly family: Family) {}
  iface(name: string, origin: HostIface["origin"]): HostIface {
    let i = this.ifaces.get(name);
    if (!i) this.ifaces.set(name, (i = { name, addrs: [], origin }));
    return i;
  }
  add(name: string, addr: string, prefix: number, origin: HostIface["origin"]) {
    const i = this.iface(name, origin);
    if (!i.addrs.some((a) => a.addr === addr && a.prefix === prefix)) i.addrs.push({ addr, prefix });
  }
}

/**
 * The host model for one or more dumps of the same family: `lo`, Docker bridges
 * and their gateways found in the rules, then the options, then the default
 * external interface.
 */
export function inferHost(dumps: Dump | Dump[], opts: HostOptions = {}): HostModel {
  const list = Array.isArray(dumps) ? dumps : [dumps];
  const family = list[0]?.family ?? "ipv4";
  const b = new Builder(family);
  b.add("lo", family === "ipv4" ? "127.0.0.1" : "::1", family === "ipv4" ? 8 : 128, "default");
  for (const d of list) inferFromDump(d, b);
  const defaultIface = opts.defaultIface ?? DEFAULT_IFACE;
  for (const text of opts.ifaces ?? []) {
    const o = parseIfaceOption(text, family);
    const had = b.ifaces.get(o.name);
    // the user's word about an interface replaces what the rules suggested
    // (a gateway guessed as the subnet's first address may be a container)
    if (had?.origin === "dump") {
      had.addrs = [];
      const note = b.inferred.get(o.name);
      if (note !== undefined) b.assumptions = b.assumptions.filter((a) => a !== note);
    }
    b.add(o.name, o.addr, o.prefix, "option");
    b.ifaces.get(o.name)!.origin = "option";
  }
  const hostAddrs = (opts.hostAddrs ?? []).map((t) => parseHostAddr(t, family));
  const model = (): HostModel => ({ family, ifaces: [...b.ifaces.values()], defaultIface, assumptions: b.assumptions });
  for (const a of hostAddrs) {
    const on = connectedIface(model(), a);
    const name = on && on.name !== "lo" ? on.name : defaultIface;
    b.add(name, formatAddr(a, family), ADDR_BITS[family], "option");
  }
  if (!b.ifaces.has(defaultIface)) {
    b.iface(defaultIface, "default");
    b.assumptions.push(`external interface: ${defaultIface} (assumed; give --iface NAME=ADDR/PREFIX to describe the real one)`);
  }
  return model();
}

function inferFromDump(d: Dump, b: Builder) {
  const fam = d.family;
  const nat = d.tables.get("nat");
  if (!nat) return;
  for (const chain of nat.chains.values()) {
    for (const r of chain.rules) {
      // Docker: -A POSTROUTING -s SUBNET ! -o BRIDGE -j MASQUERADE
      if (r.target?.name === "MASQUERADE" && r.src && !r.src.neg && r.src.prefix !== null && r.outIface?.neg && !r.outIface.value.endsWith("+")) {
        const net = parseCidr(`${r.src.addr}/${r.src.prefix}`, fam);
        if (typeof net === "string" || r.src.prefix >= ADDR_BITS[fam]) continue;
        const gw = net.addr + 1n;
        const name = r.outIface.value;
        if (!b.ifaces.has(name)) {
          b.add(name, formatAddr(gw, fam), r.src.prefix, "dump");
          const note = `${name}: ${formatAddr(net.addr, fam)}/${r.src.prefix} with gateway ${formatAddr(gw, fam)} (from the MASQUERADE rule at line ${r.span.line}; --iface ${name}=ADDR/PREFIX replaces it)`;
          b.inferred.set(name, note);
          b.assumptions.push(note);
        }
      }
    }
  }
}

// ------------------------------------------------------------ derived facts

export interface HostFacts {
  model: HostModel;
  /** Parsed addresses per interface. */
  nets: { iface: string; addr: bigint; prefix: number; net: bigint; last: bigint }[];
}

const factsCache = new WeakMap<HostModel, HostFacts>();

export function hostFacts(model: HostModel): HostFacts {
  let f = factsCache.get(model);
  if (f) return f;
  const fam = model.family;
  const nets: HostFacts["nets"] = [];
  for (const i of model.ifaces) {
    for (const a of i.addrs) {
      const addr = parseAddr(a.addr, fam)!;
      const mask = maskOfPrefix(a.prefix, fam);
      const net = addr & mask;
      const last = net | (~mask & ((1n << BigInt(ADDR_BITS[fam])) - 1n));
      nets.push({ iface: i.name, addr, prefix: a.prefix, net, last });
    }
  }
  f = { model, nets };
  factsCache.set(model, f);
  return f;
}

/** The interface whose connected subnet holds the address (longest prefix). */
export function connectedIface(model: HostModel, addr: bigint): HostIface | undefined {
  let best: { iface: string; prefix: number } | undefined;
  for (const n of hostFacts(model).nets) {
    if (addr >= n.net && addr <= n.last && (!best || n.prefix > best.prefix)) best = n;
  }
  return best ? model.ifaces.find((i) => i.name === best!.iface) : undefined;
}

const V4 = (s: string) => parseAddr(s, "ipv4")!;
const V6 = (s: string) => parseAddr(s, "ipv6")!;

/**
 * The addresses of one addrtype class, as sorted disjoint ranges. `dev`
 * restricts LOCAL and subnet-BROADCAST to that device (--limit-iface-*), as
 * __inet_dev_addr_type does; `dev === null` means "a device with no addresses".
 */
const typeCache = new WeakMap<HostModel, Map<string, Range[]>>();

export function addrTypeRanges(model: HostModel, type: AddrType, dev?: string | null): Range[] {
  let m = typeCache.get(model);
  if (!m) typeCache.set(model, (m = new Map()));
  const key = `${type}|${dev === undefined ? "*" : dev === null ? "-" : dev}`;
  let r = m.get(key);
  if (!r) m.set(key, (r = computeAddrTypeRanges(model, type, dev)));
  return r;
}

function computeAddrTypeRanges(model: HostModel, type: AddrType, dev?: string | null): Range[] {
  const fam = model.family;
  const top = (1n << BigInt(ADDR_BITS[fam])) - 1n;
  const { nets } = hostFacts(model);
  const onDev = (n: { iface: string }) => dev === undefined || n.iface === dev;
  const local: Range[] = [];
  const bcast: Range[] = [];
  const mcast: Range[] = [];
  if (fam === "ipv4") {
    bcast.push([0n, V4("0.255.255.255")], [top, top]);
    mcast.push([V4("224.0.0.0"), V4("239.255.255.255")]);
    for (const n of nets) {
      if (!onDev(n)) continue;
      // the local table holds the whole 127/8 for lo, one address for the others
      if (n.iface === "lo") local.push([n.net, n.last]);
      else local.push([n.addr, n.addr]);
      if (n.iface !== "lo" && n.prefix < 31) bcast.push([n.last, n.last]);
    }
  } else {
    mcast.push([V6("ff00::"), top]);
    for (const n of nets) if (onDev(n)) local.push([n.addr, n.addr]);
  }
  const special = normalize([...bcast, ...mcast]);
  switch (type) {
    case "LOCAL":
      return subtract(normalize(local), special);
    case "BROADCAST":
      return fam === "ipv4" ? normalize(bcast) : [];
    case "MULTICAST":
      return normalize(mcast);
    case "UNICAST": {
      const notUni = normalize([...special, ...local, ...(fam === "ipv6" ? [[0n, 0n] as Range] : [])]);
      return subtract([[0n, top]], notUni);
    }
    case "UNSPEC":
      return fam === "ipv6" ? [[0n, 0n]] : [];
    default:
      // BLACKHOLE, UNREACHABLE, PROHIBIT, THROW, NAT, XRESOLVE, ANYCAST: no such routes in the model
      return [];
  }
}

export function normalize(rs: readonly Range[]): Range[] {
  const s = [...rs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [lo, hi] of s) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1n) {
      if (hi > last[1]) last[1] = hi;
    } else out.push([lo, hi]);
  }
  return out;
}

export function subtract(a: readonly Range[], b: readonly Range[]): Range[] {
  let cur: Range[] = [...a];
  for (const [blo, bhi] of b) {
    const next: Range[] = [];
    for (const [lo, hi] of cur) {
      if (bhi < lo || blo > hi) next.push([lo, hi]);
      else {
        if (lo < blo) next.push([lo, blo - 1n]);
        if (hi > bhi) next.push([bhi + 1n, hi]);
      }
    }
    cur = next;
  }
  return cur;
}

export function inRanges(rs: readonly Range[], v: bigint): boolean {
  for (const [lo, hi] of rs) if (v >= lo && v <= hi) return true;
  return false;
}

export function addrTypeOf(model: HostModel, addr: bigint, dev?: string | null): AddrType {
  for (const t of ["LOCAL", "BROADCAST", "MULTICAST", "UNSPEC"] as const) if (inRanges(addrTypeRanges(model, t, dev), addr)) return t;
  return "UNICAST";
}

export const MARTIAN_DST = "martian destination: a loopback address arriving on an interface other than lo (the kernel drops it; route_localnet=0)";
export const MARTIAN_SRC = "martian source: a loopback address arriving on an interface other than lo (the kernel drops it)";

/** An IPv6 /16 of multicast addresses: ff, the flags nibble, the scope nibble. */
const mc16 = (flags: number, scope: number): Range => {
  const lo = BigInt(0xff00 | (flags << 4) | scope) << 112n;
  return [lo, lo | ((1n << 112n) - 1n)];
};
const FLAGS = [...Array(16).keys()];

/**
 * What ip6_rcv_core drops before any netfilter hook, for a packet arriving on
 * an interface other than lo, in the kernel's order (the first that applies
 * gives the reason). IPv4 has no such step: its martians are dropped by
 * routing, after PREROUTING.
 */
export const V6_RCV_DROPS: readonly { field: "src" | "dst"; ranges: readonly Range[]; reason: string }[] = [
  { field: "src", ranges: [[1n, 1n]], reason: "IPv6 loopback source on an interface other than lo: ip6_rcv_core drops it before netfilter" },
  { field: "dst", ranges: [[1n, 1n]], reason: "IPv6 loopback destination on an interface other than lo: ip6_rcv_core drops it before netfilter" },
  { field: "dst", ranges: FLAGS.map((f) => mc16(f, 1)), reason: "interface-local IPv6 multicast (scope 1) from another node: ip6_rcv_core drops it before netfilter" },
  { field: "dst", ranges: FLAGS.map((f) => mc16(f, 0)), reason: "IPv6 multicast with the reserved scope 0: ip6_rcv_core drops it before netfilter" },
  { field: "src", ranges: [[0xffn << 120n, (1n << 128n) - 1n]], reason: "IPv6 multicast source: ip6_rcv_core drops it before netfilter" },
];

/** Why ip6_rcv_core drops an arriving packet before netfilter, or undefined. */
export function rcvDrop(model: HostModel, src: bigint, dst: bigint, iif: string | null): string | undefined {
  if (model.family !== "ipv6" || iif === null || iif === "lo") return undefined;
  for (const r of V6_RCV_DROPS) if (inRanges(r.ranges, r.field === "src" ? src : dst)) return r.reason;
  return undefined;
}

export type Route = { decision: "local"; oif: null } | { decision: "forward"; oif: string } | { decision: "martian"; reason: string };

/** 127.0.0.0/8 or ::1: a martian source or destination when it arrives on an interface other than lo. */
export function loopbackRange(family: Family): Range {
  return family === "ipv4" ? [V4("127.0.0.0"), V4("127.255.255.255")] : [1n, 1n];
}

/** The address types routing delivers to the host itself. */
export const LOCAL_DELIVERY = ["LOCAL", "BROADCAST", "MULTICAST"] as const;

/** Destinations routing delivers to the host itself, as ranges. */
export function localDeliveryRanges(model: HostModel): Range[] {
  return LOCAL_DELIVERY.flatMap((t) => addrTypeRanges(model, t));
}

/** The connected subnets, longest prefix first: the first that holds a destination routes it. */
export function netsByPrefix(model: HostModel): HostFacts["nets"] {
  return [...hostFacts(model).nets].sort((a, b) => b.prefix - a.prefix);
}

/** The routing decision for a destination (post-DNAT), for a packet from `iif` (null: generated locally). */
export function route(model: HostModel, src: bigint, dst: bigint, iif: string | null): Route {
  const loop = loopbackRange(model.family);
  if (iif !== null && iif !== "lo") {
    if (inRanges([loop], dst)) return { decision: "martian", reason: MARTIAN_DST };
    if (inRanges([loop], src)) return { decision: "martian", reason: MARTIAN_SRC };
  }
  const t = addrTypeOf(model, dst);
  if ((LOCAL_DELIVERY as readonly string[]).includes(t)) return { decision: "local", oif: null };
  const on = connectedIface(model, dst);
  return { decision: "forward", oif: on?.name ?? model.defaultIface };
}

/** The primary address of an interface (for MASQUERADE and REDIRECT). */
export function ifaceAddr(model: HostModel, name: string | null): bigint | undefined {
  const i = model.ifaces.find((x) => x.name === (name ?? "lo"));
  const a = i?.addrs[0];
  return a ? parseAddr(a.addr, model.family) : undefined;
}

/** Addresses DNAT rules send traffic to (they live behind the bridges). */
export function dnatTargets(d: Dump): bigint[] {
  const out: bigint[] = [];
  for (const t of d.tables.values())
    for (const c of t.chains.values())
      for (const r of c.rules) {
        if (r.target?.name !== "DNAT") continue;
        for (const o of r.target.options) {
          if (o.name !== "--to-destination") continue;
          const nr = parseNatRange(o.args[0]!, d.family);
          if (typeof nr !== "string" && nr.minAddr !== undefined) out.push(nr.minAddr);
        }
      }
  return out;
}

export { PLACEHOLDER };
