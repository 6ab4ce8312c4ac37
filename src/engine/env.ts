// What the path so far has done to a packet: NAT rewrites, marks, routing,
// conntrack overrides. Both engines carry one Env per packet (or per part of a
// packet set): the header fields a rule sees are the arriving packet's, unless
// the Env holds a rewritten constant.
import type { Family } from "../syntax/ast.js";
import type { CtState, Effect } from "../extensions/packet.js";
import type { HostModel } from "./api.js";
import { ifaceAddr } from "./host.js";

/** A 32-bit mark as a function of the connection's original ctmark m0: bit i = (ref_i ? m0_i : 0) ^ c_i. */
export interface BitForm {
  ref: number;
  c: number;
}

export interface NatRecord {
  kind: "DNAT" | "SNAT" | "MASQUERADE" | "REDIRECT";
  line: number;
  addr?: bigint;
  /** KERNEL_PORT when the kernel picks it (see portChosen). */
  port?: number;
  /** Why the port is the kernel's choice: "--random-fully", "--random" or "--to-ports 1024-2047". */
  portChosen?: string;
}

/**
 * A port the kernel picks (SNAT/MASQUERADE with --random, --random-fully or a
 * port range): no rule or result may state it. Env.sport holds it after such
 * a NAT, so a later --sport test is undecided rather than evaluated on the
 * original port.
 */
export const KERNEL_PORT = -1;

export interface Env {
  src?: bigint;
  dst?: bigint;
  sport?: number;
  dport?: number;
  /** Output device once routed; null when there is none (before routing, local delivery). */
  oif: string | null;
  /** Input device of a looped-back packet (lo), overriding the arriving one. */
  iifOverride?: string;
  mark: BitForm;
  ctmark: BitForm;
  /** Before the conntrack hook (raw table): no conntrack entry yet, so --ctstate sees INVALID. */
  preCt: boolean;
  untracked: boolean;
  dnat: boolean;
  snat: boolean;
  /** Walking nat for an ESTABLISHED packet to find its connection's binding: conntrack reads as NEW. */
  asNew: boolean;
  nat: NatRecord[];
}

export function initialEnv(): Env {
  // every field present (unset ones undefined): envs copied from it share one shape, which keeps the ~10^5 of a kube dump small
  return { src: undefined, dst: undefined, sport: undefined, dport: undefined, oif: null, iifOverride: undefined, mark: { ref: 0, c: 0 }, ctmark: { ref: -1, c: 0 }, preCt: true, untracked: false, dnat: false, snat: false, asNew: false, nat: [] };
}

export function envKey(e: Env): string {
  return `${e.src ?? ""}|${e.dst ?? ""}|${e.sport ?? ""}|${e.dport ?? ""}|${e.oif ?? ""}|${e.iifOverride ?? ""}|${e.mark.ref},${e.mark.c}|${e.ctmark.ref},${e.ctmark.c}|${+e.preCt}${+e.untracked}${+e.dnat}${+e.snat}${+e.asNew}`;
}

/** The state conntrack reports for a packet that arrived in `state`, given the path so far. */
export function ctView(state: CtState, env: Env): CtState {
  if (env.preCt) return "INVALID";
  if (env.untracked) return "UNTRACKED";
  if (env.asNew) return "NEW";
  return state;
}

export function hasCt(view: CtState): boolean {
  return view === "NEW" || view === "ESTABLISHED" || view === "RELATED";
}

export const CT_BITS = { EXPECTED: 1, SEEN_REPLY: 2, ASSURED: 4, CONFIRMED: 8, SNAT: 16, DNAT: 32 } as const;

/** The conntrack status word (CT_STATUS_BIT layout) of a tracked packet. */
export function ctStatus(view: CtState, env: Env): number {
  let s = view === "ESTABLISHED" ? CT_BITS.SEEN_REPLY | CT_BITS.ASSURED | CT_BITS.CONFIRMED : view === "RELATED" ? CT_BITS.EXPECTED : 0;
  if (env.snat) s |= CT_BITS.SNAT;
  if (env.dnat) s |= CT_BITS.DNAT;
  return s;
}

export function markValue(f: BitForm, m0: number): number {
  return ((f.ref & m0) ^ f.c) >>> 0;
}

export type EffectOutcome =
  | { k: "continue"; env: Env }
  | { k: "accept"; env: Env }
  | { k: "drop" }
  | { k: "reject" }
  | { k: "undecided"; module: string };

/**
 * Applies a target's effect. NAT is terminal in nat (an accept for the table).
 * `iif` is the packet's input device (REDIRECT), `hookIsOutput` for REDIRECT from the host.
 */
export function applyEffect(e: Effect, env: Env, line: number, host: HostModel, ctx: { iif: string | null; family: Family; tracked: boolean }): EffectOutcome {
  // CONNMARK without a conntrack entry does nothing
  if (!ctx.tracked && touchesCtmark(e)) return { k: "continue", env };
  switch (e.k) {
    case "accept":
      return { k: "accept", env };
    case "drop":
      return { k: "drop" };
    case "reject":
      return { k: "reject" };
    case "continue":
      return { k: "continue", env };
    case "undecided":
      return { k: "undecided", module: e.module };
    case "notrack":
      return { k: "continue", env: { ...env, untracked: true } };
    case "setmark": {
      const f = env[e.field];
      const nf = { ref: f.ref & e.and, c: ((f.c & e.and) ^ e.xor) | 0 };
      return { k: "continue", env: { ...env, [e.field]: nf } };
    }
    case "copymark": {
      const from = env[e.from];
      const to = env[e.to];
      const nf = { ref: (to.ref & ~e.toMask) ^ (from.ref & e.fromMask), c: (to.c & ~e.toMask) ^ (from.c & e.fromMask) };
      return { k: "continue", env: { ...env, [e.to]: nf } };
    }
    case "nat": {
      const dest = e.kind === "DNAT" || e.kind === "REDIRECT";
      // a destination port range decides where the packet goes; a source port
      // range only which port the reply comes back to (nf_nat's get_unique_tuple)
      if ((e.addr && e.addr[0] !== e.addr[1]) || (dest && e.port && e.port[0] !== e.port[1])) {
        return { k: "undecided", module: `${e.kind} to a range (the kernel picks by hash)` };
      }
      const chosen = dest ? undefined : sourcePortChoice(e);
      const port = chosen !== undefined ? KERNEL_PORT : e.port?.[0];
      if (dest) {
        let addr = e.addr?.[0];
        if (e.kind === "REDIRECT") {
          // the primary address of the incoming device; loopback for locally generated packets
          addr = ctx.iif === null ? (ctx.family === "ipv4" ? 0x7f000001n : 1n) : ifaceAddr(host, ctx.iif);
          if (addr === undefined) return { k: "drop" };
        }
        const rec: NatRecord = { kind: e.kind, line };
        if (addr !== undefined) rec.addr = addr;
        if (port !== undefined) rec.port = port;
        const n: Env = { ...env, dnat: true, nat: [...env.nat, rec] };
        if (addr !== undefined) n.dst = addr;
        if (port !== undefined) n.dport = port;
        return { k: "accept", env: n };
      }
      let addr = e.addr?.[0];
      if (e.kind === "MASQUERADE") {
        addr = ifaceAddr(host, env.oif);
        // no address on the device: the kernel drops the packet
        if (addr === undefined) return { k: "drop" };
      }
      const rec: NatRecord = { kind: e.kind, line, ...(addr !== undefined ? { addr } : {}), ...(port !== undefined ? { port } : {}), ...(chosen !== undefined ? { portChosen: chosen } : {}) };
      const n: Env = { ...env, snat: true, nat: [...env.nat, rec] };
      if (addr !== undefined) n.src = addr;
      if (port !== undefined) n.sport = port;
      return { k: "accept", env: n };
    }
  }
}

/**
 * Why the kernel picks the source port of a source NAT, or undefined when it
 * keeps the original (assumed free: the model has one connection per tuple)
 * or sets the one port given. --random/--random-fully pick even a free port.
 */
function sourcePortChoice(e: Extract<Effect, { k: "nat" }>): string | undefined {
  if (e.port && e.port[0] === e.port[1]) return undefined;
  if (e.random) return e.random;
  if (e.port) return `${e.kind === "MASQUERADE" ? "--to-ports" : "--to-source"} range ${e.port[0]}-${e.port[1]}`;
  return undefined;
}

/** The NAT that left the source port to the kernel (the last one does, it is the port the packet has). */
export function portPicker(nat: readonly NatRecord[]): NatRecord | undefined {
  for (let i = nat.length - 1; i >= 0; i--) if (nat[i]!.portChosen !== undefined) return nat[i];
  return undefined;
}

/** The sentence a result gives instead of a source port the kernel picks. */
export function portChoiceText(r: NatRecord): string {
  return `picked by the kernel: ${r.kind} ${r.portChosen} at line ${r.line}`;
}

/**
 * An undecided match's module for a test of a port the kernel picked. It does
 * not name the NAT rule: cached walks are shared by every env whose port the
 * kernel picked (the path names the rule).
 */
export const PICKED_PORT = "the source port the kernel picked";

export function touchesCtmark(e: Effect): boolean {
  return (e.k === "setmark" && e.field === "ctmark") || (e.k === "copymark" && (e.from === "ctmark" || e.to === "ctmark"));
}

/** iptables interface matching: exact, or a prefix when the name ends in `+`. */
export function ifaceMatches(pattern: string, name: string | null): boolean {
  const n = name ?? "";
  return pattern.endsWith("+") ? n.startsWith(pattern.slice(0, -1)) : n === pattern;
}
