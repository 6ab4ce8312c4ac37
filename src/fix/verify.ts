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
import type { Dump, Rule } from "../syntax/ast.js";
import { analyze, compare, makeUniverse, type HostModel, type PacketSet, type Universe } from "../engine/api.js";
import { applyEdits } from "./apply.js";
import { isAuthored } from "./author.js";
import { anyState, notNew } from "./sets.js";
import type { FixPlan, Verified } from "./types.js";

const BLOCKED = new Set(["dropped", "rejected"]);
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
      : { plan, status: "verified" as const, detail: "engine: the finding's packets are blocked, allowed traffic keeps its path, nothing else changes", patched: after };
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
    intent: (ctx) => {
      const parts = plans.map((p) => p.intent(ctx));
      return { bad: parts.reduce((a, b) => a.union(b.bad), u.empty()), keep: parts.reduce((a, b) => a.union(b.keep), u.empty()) };
    },
  };
  const failure = plans.length ? prove(dump, patched, all, host, u, before) : undefined;
  return failure ? { status: "failed", detail: failure, patched } : { status: "verified", detail: "engine: all fixes together", patched };
}

function prove(dump: Dump, after: Dump, plan: FixPlan, host: HostModel, u: Universe, before: ReturnType<typeof analyze>): string | undefined {
  const replies = replyBlindness(after);
  if (replies) return replies;
  const { bad, keep } = plan.intent({ u, host, dump, before });
  if (bad.isEmpty()) return "the finding's packets could not be found again in the proof's model";
  // (1) the finding's packets are blocked
  for (const p of analyze(after, { host, universe: u, direction: "inbound", input: bad })) {
    if (!BLOCKED.has(p.outcome)) return `still ${p.outcome === "undecided" ? `undecided (${p.reason})` : p.outcome} after the fix: ${example(u, p.set)}`;
  }
  const keepAll = anyState(u, keep);
  const mayChange = bad.union(anyState(u, bad).intersect(notNew(u)));
  for (const direction of ["inbound", "local-out"] as const) {
    for (const d of compare(dump, after, { host, universe: u, direction })) {
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
    if ((m.name === "conntrack" || m.name === "state") && o && !o.neg) return o.args[0]!.split(",");
  }
  return undefined;
}

function originalOnly(r: Rule): boolean {
  return r.matches.some((m) => m.name === "conntrack" && m.options.some((o) => o.name === "--ctdir" && !o.neg && o.args[0] === "ORIGINAL"));
}

/** A rule that replies of an established connection cannot match. */
function blindToReplies(r: Rule): boolean {
  if (r.table === "nat") return true;
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
 * Every DROP or REJECT a fix added must be unable to see replies to
 * containers' outbound connections; returns why not, or undefined.
 */
function replyBlindness(d: Dump): string | undefined {
  for (const t of d.tables.values()) {
    for (const c of t.chains.values()) {
      let shielded = false;
      for (const r of c.rules) {
        if (passesReplies(r)) shielded = true;
        if (!isAuthored(r) || !r.target || !VERDICT_DROP.has(r.target.name)) continue;
        if (shielded || blindToReplies(r) || reachedOnlyBlind(d, t.name, c.name)) continue;
        return `the ${r.target.name} added to ${t.name} ${c.name} could also match replies to containers' outbound connections`;
      }
    }
  }
  return undefined;
}

/** A chain of the fix whose every caller is itself blind to replies. */
function reachedOnlyBlind(d: Dump, table: string, chain: string): boolean {
  const callers: Rule[] = [];
  for (const c of d.tables.get(table)?.chains.values() ?? []) for (const r of c.rules) if (r.target?.kind === "chain" && r.target.name === chain) callers.push(r);
  return callers.length > 0 && callers.every((r) => blindToReplies(r) || shieldedBefore(d, r));
}

function shieldedBefore(d: Dump, r: Rule): boolean {
  const rules = d.tables.get(r.table)?.chains.get(r.chain)?.rules ?? [];
  const i = rules.indexOf(r);
  return rules.slice(0, i).some(passesReplies);
}
