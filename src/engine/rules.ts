// What one rule tests and does, in the packet vocabulary of extensions/packet.ts.
// Built once per rule and shared by the concrete tracer and the symbolic engine.
import type { AddrMatch, Family, Rule } from "../syntax/ast.js";
import { ADDR_BITS, maskOfPrefix, parseAddr } from "../syntax/inet.js";
import { findMatch, findTarget } from "../extensions/index.js";
import { protoNumber } from "../extensions/protocols.js";
import { and, FALSE, not, type Constraint, type Effect } from "../extensions/packet.js";

export type Action =
  | { k: "none" }
  | { k: "effect"; effect: Effect }
  | { k: "jump"; chain: string }
  | { k: "goto"; chain: string }
  | { k: "return" };

/** A rule's match: the constraint, and which modules make it undecidable. */
export interface RuleSemantics {
  rule: Rule;
  /** What the header and conntrack decide; a statistic match is not part of it (see `choice`). */
  match: Constraint;
  /**
   * `-m statistic` that neither always nor never matches: a packet that passes
   * `match` may take the rule or not (the kernel draws a random number or
   * counts packets), so both are possible outcomes.
   */
  choice: boolean;
  action: Action;
  /** Text of the target as it appears in traces: ACCEPT, DNAT, a chain name, "" when there is none. */
  targetName: string;
  /**
   * Taking the rule leaves the packet and everything later rules read as they
   * were (no target, LOG, NFLOG, ...): when its match cannot be decided the
   * packet goes on to the next rule either way, instead of being undecided.
   */
  inert: boolean;
}

const cache = new WeakMap<Rule, RuleSemantics>();

export function semantics(rule: Rule, family: Family): RuleSemantics {
  let s = cache.get(rule);
  if (!s) {
    const stat = statistic(rule);
    const match = ruleConstraint(rule, family);
    const action = ruleAction(rule, family);
    s = { rule, match: stat === "never" ? FALSE : match, choice: stat === "choice", action, targetName: rule.target?.name ?? "", inert: isInert(rule, action) };
    cache.set(rule, s);
  }
  return s;
}

/**
 * What the rule's statistic matches leave open. xt_statistic random matches
 * when (prandom & 0x7fffffff) < round(p * 2^31), so p = 0 never matches and
 * p = 1 always does; nth with --every 1 matches every packet.
 */
function statistic(rule: Rule): "none" | "always" | "never" | "choice" {
  let out: "none" | "always" | "never" | "choice" = "none";
  for (const m of rule.matches) {
    if (m.name !== "statistic" || !m.known) continue;
    const opt = (n: string) => m.options.find((o) => o.name === n);
    let r: "always" | "never" | "choice" = "choice";
    const prob = opt("--probability");
    const every = opt("--every");
    if (opt("--mode")?.args[0] === "random" && prob) {
      const n = Math.round(Number(prob.args[0]) * 0x80000000);
      if (n <= 0) r = prob.neg ? "always" : "never";
      else if (n >= 0x80000000) r = prob.neg ? "never" : "always";
    } else if (every && Number(every.args[0]) === 1) r = every.neg ? "never" : "always";
    if (r === "never" || out === "never") out = "never";
    else if (r === "choice" || out === "choice") out = "choice";
    else out = "always";
  }
  return out;
}

/** The ranges an address/mask pair covers; a non-contiguous mask is split into ranges when that stays small. */
export function addrMatchRanges(a: { addr: string; prefix: number | null; mask: string }, family: Family): [bigint, bigint][] | undefined {
  const bits = ADDR_BITS[family];
  const base = parseAddr(a.addr, family)!;
  if (a.prefix !== null) {
    const span = (1n << BigInt(bits - a.prefix)) - 1n;
    return [[base, base | span]];
  }
  const mask = parseAddr(a.mask, family)!;
  // hole bits above the lowest set mask bit multiply the ranges: enumerate up to 4096
  let low = 0;
  while (low < bits && ((mask >> BigInt(low)) & 1n) === 0n) low++;
  const holes: number[] = [];
  for (let b = low; b < bits; b++) if (((mask >> BigInt(b)) & 1n) === 0n) holes.push(b);
  if (holes.length > 12) return undefined;
  const out: [bigint, bigint][] = [];
  const span = (1n << BigInt(low)) - 1n;
  for (let i = 0; i < 1 << holes.length; i++) {
    let v = base & mask;
    holes.forEach((h, j) => {
      if ((i >> j) & 1) v |= 1n << BigInt(h);
    });
    out.push([v, v | span]);
  }
  return out.sort((x, y) => (x[0] < y[0] ? -1 : 1));
}

function addrConstraint(field: "src" | "dst", a: AddrMatch | undefined, family: Family): Constraint {
  if (!a) return { k: "true" };
  const r = addrMatchRanges(a, family);
  const c: Constraint = r ? { k: "addr", field, ranges: r } : { k: "undecided", module: "a non-contiguous address mask" };
  return not(c, a.neg);
}

export function ruleConstraint(rule: Rule, family: Family): Constraint {
  const parts: Constraint[] = [addrConstraint("src", rule.src, family), addrConstraint("dst", rule.dst, family)];
  if (rule.inIface) parts.push(not({ k: "iface", dir: "in", name: rule.inIface.value }, rule.inIface.neg));
  if (rule.outIface) parts.push(not({ k: "iface", dir: "out", name: rule.outIface.value }, rule.outIface.neg));
  if (rule.proto && rule.proto.value !== "all") {
    const n = protoNumber(rule.proto.value);
    parts.push(n === undefined ? { k: "undecided", module: `protocol ${rule.proto.value}` } : not({ k: "num", field: "proto", ranges: [[n, n]] }, rule.proto.neg));
  }
  // non-first fragments are not modelled: every packet is a first fragment or whole
  if (rule.fragment) parts.push(rule.fragment.neg ? { k: "true" } : { k: "fragment" });
  for (const m of rule.matches) {
    // decided per packet by chance, not by the header: RuleSemantics.choice
    if (m.known && m.name === "statistic") continue;
    const ext = m.known ? findMatch(m.name, family) : undefined;
    parts.push(ext?.constraint ? ext.constraint(m, family) : { k: "undecided", module: m.name });
  }
  return and(...parts);
}

/** Targets that only log, count or touch fields the model does not track: the packet goes on. */
const CONTINUING = new Set([
  "LOG", "NFLOG", "ULOG", "TRACE", "AUDIT", "CHECKSUM", "TCPMSS", "TOS", "TTL", "HL", "DSCP", "ECN", "CLASSIFY",
  "SECMARK", "CONNSECMARK", "IDLETIMER", "LED", "RATEEST", "TEE", "SET", "HMARK", "TCPOPTSTRIP", "SYNPROXY_NOT",
]);

/**
 * Continuing targets whose effect no match can read: they log, trace or send a
 * copy elsewhere. The others in CONTINUING change a field some match tests
 * (TTL and -m ttl, TOS and -m tos, SET and -m set, TCPMSS and -m tcpmss), and
 * MARK/CONNMARK change what -m mark/connmark and policy routing read, so an
 * undecided match on them keeps the packet undecided.
 */
const UNREAD = new Set(["LOG", "NFLOG", "ULOG", "TRACE", "AUDIT", "CHECKSUM", "IDLETIMER", "LED", "TEE", "CLASSIFY"]);

function isInert(rule: Rule, action: Action): boolean {
  if (action.k === "none") return true;
  return action.k === "effect" && action.effect.k === "continue" && UNREAD.has(rule.target?.name ?? "");
}

export function ruleAction(rule: Rule, family: Family): Action {
  const t = rule.target;
  if (!t) return { k: "none" };
  if (t.kind === "standard") {
    if (t.name === "ACCEPT") return { k: "effect", effect: { k: "accept" } };
    if (t.name === "DROP") return { k: "effect", effect: { k: "drop" } };
    if (t.name === "RETURN") return { k: "return" };
    return { k: "effect", effect: { k: "undecided", module: t.name } };
  }
  if (t.kind === "chain") return t.goto ? { k: "goto", chain: t.name } : { k: "jump", chain: t.name };
  const ext = t.kind === "extension" ? findTarget(t.name, family) : undefined;
  if (ext?.effect) return { k: "effect", effect: ext.effect(t, family) };
  if (t.name === "REJECT") return { k: "effect", effect: { k: "reject" } };
  if (t.name === "NOTRACK") return { k: "effect", effect: { k: "notrack" } };
  if (CONTINUING.has(t.name)) return { k: "effect", effect: { k: "continue" } };
  return { k: "effect", effect: { k: "undecided", module: t.name } };
}

/** The 32-bit mask of a prefix, for callers that build ranges. */
export function prefixSpan(prefix: number, family: Family): bigint {
  return ~maskOfPrefix(prefix, family) & ((1n << BigInt(ADDR_BITS[family])) - 1n);
}
