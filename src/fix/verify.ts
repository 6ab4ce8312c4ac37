// The engine proof of a fix. The original and the patched ruleset are compared
// symbolically, over every packet arriving on any interface and every packet
// the host sends:
//  1. every packet of the finding now ends dropped or rejected;
//  2. what the user meant to allow (and the rest of those connections) keeps
//     its outcome, final address and port;
//  3. nothing else changes, except the later packets of connections whose
//     first packet is now blocked, and packets that were blocked before and
//     are blocked after (a DROP that became a REJECT).
// Replies to containers' own outbound connections are not in the engine's
// packet space (it has no reply direction), so each added DROP is checked to
// be blind to them: nat rules never see replies, and neither do rules that
// require the original direction, the NEW state, a destination the replies
// never have, or that sit behind an ESTABLISHED accept.
import type { AddrMatch, Dump, Family, Rule } from "../syntax/ast.js";
import { parseAddr } from "../syntax/inet.js";
import { analyze, compare, makeUniverse, type HostModel, type PacketSet, type Universe } from "../engine/api.js";
import { applyEdits } from "./apply.js";
import { isAuthored } from "./author.js";
import { notNew } from "./sets.js";
import type { FixPlan, Intent, Verified } from "./types.js";

const BLOCKED = new Set(["dropped", "rejected"]);
const VERIFIED = "engine: the finding's packets are fixed, allowed traffic keeps its path, nothing else changes; added drops cannot match replies";
const MAX_TEXT = 200;

function example(u: Universe, s: PacketSet): string {
  const d = u.describe(s);
  return d.length > MAX_TEXT ? d.slice(0, MAX_TEXT - 3) + "..." : d;
}

/** Proves each plan on its own; the patched dumps share one universe. */
export function verifyPlans(dump: Dump, plans: readonly FixPlan[], host: HostModel): Verified[] {
  const patched = plans.map((p) => applyEdits(dump, p.edits));
  if (plans.length === 0) return [];
  const u = makeUniverse([dump, ...patched], host);
  const before = analyze(dump, { host, universe: u, direction: "inbound" });
  return plans.map((plan, i) => {
    const after = patched[i]!;
    const failure = prove(dump, after, plan, host, u, before);
    return failure
      ? { plan, status: "failed" as const, detail: failure, patched: after }
      : { plan, status: "verified" as const, detail: VERIFIED, patched: after };
  });
}

/** Proves several plans applied together (what `dockwall fix` prints). */
export function verifyTogether(dump: Dump, plans: readonly FixPlan[], host: HostModel): { status: "verified" | "failed"; detail: string; patched: Dump } {
  const edits = plans.flatMap((p) => p.edits);
  const patched = applyEdits(dump, edits);
  const u = makeUniverse([dump, patched], host);
  const before = analyze(dump, { host, universe: u, direction: "inbound" });
  const all: FixPlan = {
    ...plans[0]!,
    edits,
    intent: (ctx) => combine(u, plans.map((p) => p.intent(ctx))),
  };
  const failure = plans.length ? prove(dump, patched, all, host, u, before) : undefined;
  return failure ? { status: "failed", detail: failure, patched } : { status: "verified", detail: "engine: all fixes together", patched };
}

/** Several fixes' intents as one: their sets united. */
function combine(u: Universe, list: readonly Intent[]): Intent {
  const join = (get: (i: Intent) => PacketSet | undefined) => list.reduce((a, i) => a.union(get(i) ?? u.empty()), u.empty());
  // keeps are lifted to whole connections here, except those meant as they are
  const keep = u.anyState(join((i) => (i.keepAsIs ? undefined : i.keep))).union(join((i) => (i.keepAsIs ? i.keep : undefined)));
  const out: Intent = { bad: join((i) => i.bad), keep, keepAsIs: true, unblock: join((i) => i.unblock), mayChange: join((i) => i.mayChange) };
  if (list.some((i) => i.effect)) out.effect = join((i) => i.effect);
  const outside = list.map((i) => i.outsideModel).filter(Boolean);
  if (outside.length) out.outsideModel = outside.join("; ");
  return out;
}

function prove(dump: Dump, after: Dump, plan: FixPlan, host: HostModel, u: Universe, before: ReturnType<typeof analyze>): string | undefined {
  const replies = replyBlindness(after, host);
  if (replies) return replies;
  let afterParts: ReturnType<typeof analyze> | undefined;
  const intent = plan.intent({ u, host, dump, before, patched: after, after: () => (afterParts ??= analyze(after, { host, universe: u, direction: "inbound" })) });
  const { bad, keep } = intent;
  const unblock = intent.unblock ?? u.empty();
  const effect = intent.effect;
  if (bad.isEmpty() && unblock.isEmpty() && !intent.outsideModel && (!effect || effect.isEmpty())) return "the finding's packets could not be found again in the proof's model";
  // (1) the finding's packets are blocked, or unblocked
  if (!bad.isEmpty()) {
    for (const p of analyze(after, { host, universe: u, direction: "inbound", input: bad })) {
      if (!BLOCKED.has(p.outcome)) return `still ${p.outcome === "undecided" ? `undecided (${p.reason})` : p.outcome} after the fix: ${example(u, p.set)}`;
    }
  }
  if (!unblock.isEmpty()) {
    for (const p of analyze(after, { host, universe: u, direction: "inbound", input: unblock })) {
      if (BLOCKED.has(p.outcome) || p.outcome === "undecided") return `still ${p.outcome} after the fix: ${example(u, p.set)}`;
    }
  }
  const keepAll = intent.keepAsIs ? keep : u.anyState(keep);
  const moved = bad.union(unblock).union(effect ?? u.empty());
  let mayChange = moved.union(u.anyState(moved).intersect(notNew(u)));
  if (intent.mayChange) mayChange = mayChange.union(intent.mayChange);
  for (const direction of ["inbound", "local-out"] as const) {
    // only outcomes and final addresses are compared: no paths (far fewer parts on kube dumps)
    for (const d of compare(dump, after, { host, universe: u, direction, paths: false })) {
      // (2) intended traffic is untouched
      const kept = d.set.intersect(keepAll);
      if (!kept.isEmpty()) return `changes traffic the rules allow (${d.before.outcome} before, ${d.after.outcome} after): ${example(u, kept)}`;
      if (BLOCKED.has(d.before.outcome) && BLOCKED.has(d.after.outcome)) continue;
      // (3) nothing else changes
      const other = d.set.subtract(mayChange);
      if (!other.isEmpty()) return `changes other traffic (${d.before.outcome} before, ${d.after.outcome} after): ${example(u, other)}`;
    }
  }
  return undefined;
}

// ------------------------------------------------------------ reply blindness

const VERDICT_DROP = new Set(["DROP", "REJECT"]);

function ctStates(r: Rule): string[] | undefined {
  for (const m of r.matches) {
    const o = m.options.find((x) => x.name === (m.name === "state" ? "--state" : "--ctstate"));
    // SNAT and DNAT are status bits, not states: they say nothing about direction
    const real = o?.args[0]!.split(",").filter((x) => x !== "SNAT" && x !== "DNAT");
    if ((m.name === "conntrack" || m.name === "state") && o && !o.neg && real?.length) return real;
  }
  return undefined;
}

function originalOnly(r: Rule): boolean {
  return r.matches.some((m) => m.name === "conntrack" && m.options.some((o) => o.name === "--ctdir" && !o.neg && o.args[0] === "ORIGINAL"));
}

type Net = readonly [bigint, bigint];

function netOf(addr: string, prefix: number, family: Family): Net | undefined {
  const a = parseAddr(addr, family);
  if (a === undefined) return undefined;
  const bits = family === "ipv4" ? 32 : 128;
  const size = 1n << BigInt(bits - prefix);
  const lo = (a / size) * size;
  return [lo, lo + size - 1n];
}

/**
 * Where replies to containers' outbound connections can never be addressed
 * before conntrack undoes the masquerade: loopback and the Docker bridges'
 * subnets (they arrive addressed to the host's external address).
 */
function neverReplyDst(host: HostModel): Net[] {
  const fam = host.family;
  const nets = [netOf(fam === "ipv4" ? "127.0.0.0" : "::1", fam === "ipv4" ? 8 : 128, fam)];
  for (const i of host.ifaces) if (i.origin === "dump") for (const a of i.addrs) nets.push(netOf(a.addr, a.prefix, fam));
  return nets.filter((n): n is Net => !!n);
}

function dstInside(d: AddrMatch | undefined, nets: readonly Net[], family: Family): boolean {
  if (!d || d.neg || d.prefix === null) return false;
  const n = netOf(d.addr, d.prefix, family);
  return !!n && nets.some(([lo, hi]) => n[0] >= lo && n[1] <= hi);
}

/** A rule that replies of an established connection cannot match. */
function blindToReplies(r: Rule, host: HostModel): boolean {
  if (r.table === "nat") return true;
  // before conntrack's de-NAT (raw, mangle PREROUTING) replies carry the host's own address
  if ((r.table === "raw" || r.table === "mangle") && dstInside(r.dst, neverReplyDst(host), host.family)) return true;
  if (originalOnly(r)) return true;
  const states = ctStates(r);
  return !!states && states.every((s) => s !== "ESTABLISHED" && s !== "RELATED");
}

/** `-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN|ACCEPT` with nothing else: replies leave the chain there. */
function passesReplies(r: Rule): boolean {
  const states = ctStates(r);
  const plain = !r.src && !r.dst && !r.inIface && !r.outIface && !r.proto && r.matches.length === 1;
  return plain && !!states && states.includes("ESTABLISHED") && states.includes("RELATED") && (r.target?.name === "RETURN" || r.target?.name === "ACCEPT");
}

/**
 * Every DROP or REJECT a fix added, and every one that a jump the fix added
 * makes apply (wiring DOCKER-USER), must be unable to see replies to
 * containers' outbound connections; returns why not, or undefined.
 */
function replyBlindness(d: Dump, host: HostModel): string | undefined {
  for (const t of d.tables.values()) {
    for (const c of t.chains.values()) {
      let shielded = false;
      for (const r of c.rules) {
        if (passesReplies(r)) shielded = true;
        if (!isAuthored(r) || !r.target || shielded || blindToReplies(r, host)) continue;
        if (VERDICT_DROP.has(r.target.name)) {
          if (reachedOnlyBlind(d, t.name, c.name, host)) continue;
          return `the ${r.target.name} added to ${t.name} ${c.name} could also match replies to containers' outbound connections`;
        }
        if (r.target.kind === "chain") {
          const seen = seesReplies(d, t.name, r.target.name, host, new Set());
          if (seen) return `the jump to ${r.target.name} added to ${t.name} ${c.name} makes ${seen} apply to replies to containers' outbound connections`;
        }
      }
    }
  }
  return undefined;
}

/** A DROP or REJECT of the chain (or of chains it jumps to) that replies can reach, named; or undefined. */
function seesReplies(d: Dump, table: string, chain: string, host: HostModel, seen: Set<string>): string | undefined {
  if (seen.has(chain)) return undefined;
  seen.add(chain);
  for (const r of d.tables.get(table)?.chains.get(chain)?.rules ?? []) {
    if (passesReplies(r)) return undefined;
    if (!r.target || blindToReplies(r, host)) continue;
    if (VERDICT_DROP.has(r.target.name)) return isAuthored(r) ? `the ${r.target.name} it adds to ${chain}` : `the ${r.target.name} at line ${r.span.line}`;
    if (r.target.kind === "chain") {
      const deeper = seesReplies(d, table, r.target.name, host, seen);
      if (deeper) return deeper;
    }
  }
  return undefined;
}

/** A chain of the fix whose every caller is itself blind to replies. */
function reachedOnlyBlind(d: Dump, table: string, chain: string, host: HostModel): boolean {
  const callers: Rule[] = [];
  for (const c of d.tables.get(table)?.chains.values() ?? []) for (const r of c.rules) if (r.target?.kind === "chain" && r.target.name === chain) callers.push(r);
  return callers.length > 0 && callers.every((r) => blindToReplies(r, host) || shieldedBefore(d, r));
}

function shieldedBefore(d: Dump, r: Rule): boolean {
  const rules = d.tables.get(r.table)?.chains.get(r.chain)?.rules ?? [];
  const i = rules.indexOf(r);
  return rules.slice(0, i).some(passesReplies);
}
