// The packet vocabulary shared by the extensions and the engine: what a match
// tests (a Constraint over a packet's fields) and what a target does (an
// Effect). One description per module serves both the concrete tracer and the
// exact symbolic analysis, so the two cannot disagree about what a rule means.
// It lives in extensions/ because the engine comes after extensions in the pipeline.

export type CtState = "NEW" | "ESTABLISHED" | "RELATED" | "INVALID" | "UNTRACKED";
export type CtDir = "ORIGINAL" | "REPLY";

/** Bits of the conntrack status word as --ctstatus sees them (subset of IPS_*). */
export const CT_STATUS_BIT: ReadonlyMap<string, number> = new Map([
  ["EXPECTED", 1 << 0],
  ["SEEN_REPLY", 1 << 1],
  ["ASSURED", 1 << 2],
  ["CONFIRMED", 1 << 3],
  ["SNAT", 1 << 4],
  ["DNAT", 1 << 5],
]);

/** Address-valued fields: the header, and the conntrack original/reply tuple. */
export type AddrField = "src" | "dst" | "ctorigsrc" | "ctorigdst" | "ctreplsrc" | "ctrepldst";
/** Small integer fields. `icmp` is type*256+code (ICMP or ICMPv6, by family); `ctproto` the tuple's protocol. */
export type NumField =
  | "proto"
  | "sport"
  | "dport"
  | "icmp"
  | "ctproto"
  | "ctorigsport"
  | "ctorigdport"
  | "ctreplsport"
  | "ctrepldport";
/** 32-bit fields tested under a mask: (value & mask) === bits. `tcpflags` holds FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32. */
export type BitField = "mark" | "ctmark" | "ctstatus" | "tcpflags";

export type AddrType =
  | "UNSPEC" | "UNICAST" | "LOCAL" | "BROADCAST" | "ANYCAST" | "MULTICAST"
  | "BLACKHOLE" | "UNREACHABLE" | "PROHIBIT" | "THROW" | "NAT" | "XRESOLVE";

/**
 * What a match tests, exactly. `undecided` is for what header fields cannot
 * decide (sets, rate limits, randomness, payload, sockets, owners...): the
 * engine reports "depends on MODULE at line N" instead of guessing.
 */
export type Constraint =
  | { k: "true" }
  | { k: "false" }
  /** Field value lies in one of the inclusive ranges. */
  | { k: "addr"; field: AddrField; ranges: readonly (readonly [bigint, bigint])[] }
  | { k: "num"; field: NumField; ranges: readonly (readonly [number, number])[] }
  | { k: "bits"; field: BitField; mask: number; value: number }
  /** iptables interface name; a trailing `+` matches every name with that prefix. */
  | { k: "iface"; dir: "in" | "out"; name: string }
  /** Conntrack state, UNTRACKED included (SNAT/DNAT pseudo-states are `bits` on ctstatus). */
  | { k: "ctstate"; states: readonly CtState[] }
  | { k: "ctdir"; dir: CtDir }
  /** The routing type of the source or destination address, per the host model. */
  | { k: "addrtype"; side: "src" | "dst"; types: readonly AddrType[]; limitIface?: "in" | "out" }
  /** The packet is a second-or-later fragment (`-f`). */
  | { k: "fragment" }
  | { k: "not"; c: Constraint }
  | { k: "and"; cs: readonly Constraint[] }
  | { k: "or"; cs: readonly Constraint[] }
  | { k: "undecided"; module: string };

export const TRUE: Constraint = { k: "true" };
export const FALSE: Constraint = { k: "false" };

export function and(...cs: Constraint[]): Constraint {
  const flat: Constraint[] = [];
  for (const c of cs) {
    if (c.k === "false") return FALSE;
    if (c.k === "true") continue;
    if (c.k === "and") flat.push(...c.cs);
    else flat.push(c);
  }
  return flat.length === 0 ? TRUE : flat.length === 1 ? flat[0]! : { k: "and", cs: flat };
}

export function or(...cs: Constraint[]): Constraint {
  const flat: Constraint[] = [];
  for (const c of cs) {
    if (c.k === "true") return TRUE;
    if (c.k === "false") continue;
    if (c.k === "or") flat.push(...c.cs);
    else flat.push(c);
  }
  return flat.length === 0 ? FALSE : flat.length === 1 ? flat[0]! : { k: "or", cs: flat };
}

export function not(c: Constraint, neg = true): Constraint {
  if (!neg) return c;
  if (c.k === "true") return FALSE;
  if (c.k === "false") return TRUE;
  if (c.k === "not") return c.c;
  // ! on an undecidable test is still undecidable
  if (c.k === "undecided") return c;
  return { k: "not", c };
}

/**
 * What a target does. `continue` targets (LOG, NFLOG, TRACE, TCPMSS, CHECKSUM...)
 * let the packet go on to the next rule; `mark` and `ctmark` effects are seen by
 * later matches.
 */
export type Effect =
  | { k: "accept" }
  | { k: "drop" }
  | { k: "reject"; with?: string }
  | { k: "continue" }
  /** field = (field & and) ^ xor, the xt_MARK/xt_CONNMARK --set-xmark form. */
  | { k: "setmark"; field: "mark" | "ctmark"; and: number; xor: number }
  /** CONNMARK --save-mark / --restore-mark: to = (to & ~toMask) ^ (from & fromMask). */
  | { k: "copymark"; from: "mark" | "ctmark"; to: "mark" | "ctmark"; fromMask: number; toMask: number }
  /**
   * NAT of a connection's first packet. `addr` absent keeps the address
   * (REDIRECT/MASQUERADE fill it from the interface), `port` absent keeps the port.
   * `random`: --random or --random-fully, the kernel picks the port even when the original is free.
   */
  | { k: "nat"; kind: "DNAT" | "SNAT" | "MASQUERADE" | "REDIRECT"; addr?: readonly [bigint, bigint]; port?: readonly [number, number]; random?: "--random" | "--random-fully" }
  /** raw NOTRACK / CT --notrack: the packet becomes UNTRACKED. */
  | { k: "notrack" }
  /** The verdict comes from outside the ruleset (NFQUEUE, a queue, an unknown target). */
  | { k: "undecided"; module: string };

/**
 * The constraint of a whole match call: every option must hold, each negated
 * when written with `!`. `each` gives the constraint of one option.
 */
export function allOptions(
  options: readonly { name: string; neg: boolean; args: string[] }[],
  each: (name: string, args: string[]) => Constraint | undefined,
): Constraint {
  return and(...options.map((o) => not(each(o.name, o.args) ?? TRUE, o.neg)));
}

/** `N`, `N:M` (open ends allowed) as a range on a port field. */
export function portsConstraint(field: NumField, ranges: readonly (readonly [number, number])[]): Constraint {
  return { k: "num", field, ranges };
}

/** `VALUE[/MASK]` as a bit test: (field & MASK) === VALUE. */
export function markConstraint(field: BitField, mm: { value: number; mask: number }): Constraint {
  return { k: "bits", field, mask: mm.mask >>> 0, value: (mm.value & mm.mask) >>> 0 };
}
