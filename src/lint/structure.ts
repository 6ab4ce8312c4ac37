// Structural facts about a dump that several rules share: which rules jump to
// which chains, and whether a chain can end a packet's walk. Only the
// syntactic rules (DW109, DW110, DW202..DW205) decide on structure alone.
import type { Chain, Rule, Table } from "../syntax/ast.js";
import { ruleKey } from "../syntax/build.js";

/**
 * Target modules netfilter ships. A bare `-j NAME` with one of these names is
 * a target even when dockwall has no module for it, never a user chain.
 */
export const KERNEL_TARGETS: ReadonlySet<string> = new Set([
  "ACCEPT", "DROP", "RETURN", "QUEUE", "REJECT", "LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "MASQUERADE", "SNAT",
  "DNAT", "REDIRECT", "NETMAP", "TPROXY", "NOTRACK", "CT", "TRACE", "TCPMSS", "TOS", "DSCP", "TTL", "HL", "ECN",
  "CLASSIFY", "CHECKSUM", "CLUSTERIP", "NFQUEUE", "SET", "AUDIT", "CONNSECMARK", "SECMARK", "IDLETIMER", "LED",
  "RATEEST", "SYNPROXY", "TEE", "HMARK", "TCPOPTSTRIP", "JOOL", "JOOL_SIIT",
]);

/** True when the rule passes the packet to a user chain (-j CHAIN or -g CHAIN). */
export function chainTarget(rule: Rule): string | undefined {
  const t = rule.target;
  if (!t || t.kind !== "chain" || KERNEL_TARGETS.has(t.name)) return undefined;
  return t.name;
}

/** For each chain name, the rules that jump or go to it. */
export function references(table: Table): Map<string, Rule[]> {
  const refs = new Map<string, Rule[]>();
  for (const c of table.chains.values()) {
    for (const r of c.rules) {
      const to = chainTarget(r);
      if (to === undefined) continue;
      const list = refs.get(to);
      if (list) list.push(r);
      else refs.set(to, [r]);
    }
  }
  return refs;
}

const VERDICTS = new Set(["ACCEPT", "DROP", "REJECT", "QUEUE", "NFQUEUE", "SYNPROXY", "TPROXY"]);

/**
 * Chains that hold, directly or through jumps, a rule that ends the packet's
 * walk (ACCEPT, DROP, REJECT, ...). A chain outside this set only logs, marks
 * or returns.
 */
export function decidingChains(table: Table): Set<string> {
  const deciding = new Set<string>();
  let changed = true;
  // a fixpoint over the jump graph; loops in it are harmless here
  while (changed) {
    changed = false;
    for (const c of table.chains.values()) {
      if (deciding.has(c.name)) continue;
      if (c.rules.some((r) => ruleDecides(r, deciding))) {
        deciding.add(c.name);
        changed = true;
      }
    }
  }
  return deciding;
}

/** The rule can end the walk itself, or through the chain it jumps to. */
export function ruleDecides(rule: Rule, deciding: ReadonlySet<string>): boolean {
  const t = rule.target;
  if (!t) return false;
  if (VERDICTS.has(t.name)) return true;
  const to = chainTarget(rule);
  return to !== undefined && deciding.has(to);
}

/** The `-m comment --comment` texts of a rule. */
export function comments(rule: Rule): string[] {
  const out: string[] = [];
  for (const m of rule.matches) {
    if (m.name !== "comment") continue;
    for (const o of m.options) if (o.name === "--comment" && o.args[0] !== undefined) out.push(o.args[0]);
  }
  return out;
}

/** Chains a packet entering `start` can reach through jumps and gotos (including `start`). */
export function reachableChains(table: Table, start: string): Set<string> {
  const seen = new Set<string>([start]);
  const todo = [start];
  while (todo.length) {
    for (const r of table.chains.get(todo.pop()!)?.rules ?? []) {
      const next = chainTarget(r);
      if (next !== undefined && !seen.has(next)) {
        seen.add(next);
        todo.push(next);
      }
    }
  }
  return seen;
}

const duplicateCache = new WeakMap<readonly Rule[], { rule: Rule; earlier: Rule }[]>();

/**
 * A few fields that equal rules share: the full text (ruleKey) is asked only
 * of rules that agree on them, which on a kube node (a DNAT per endpoint, a
 * jump per service) is almost none.
 */
function roughKey(r: Rule): string {
  const t = r.target;
  const opt = t?.options[0];
  return `${t?.name}\u0000${opt?.args[0] ?? ""}\u0000${r.src?.addr}/${r.src?.prefix}\u0000${r.dst?.addr}/${r.dst?.prefix}\u0000${r.proto?.value}\u0000${r.inIface?.value}\u0000${r.outIface?.value}\u0000${r.matches.length}`;
}

/**
 * Each rule that repeats an earlier rule of the same chain word for word, with
 * that earlier rule. Three rules ask: kept per rule list, which is final once
 * the dump is parsed.
 */
export function duplicatesIn(chain: Chain): readonly { rule: Rule; earlier: Rule }[] {
  const hit = duplicateCache.get(chain.rules);
  if (hit) return hit;
  const out: { rule: Rule; earlier: Rule }[] = [];
  const rk = chain.rules.map(roughKey);
  const rough = new Map<string, number>();
  for (const k of rk) rough.set(k, (rough.get(k) ?? 0) + 1);
  const first = new Map<string, Rule>();
  chain.rules.forEach((rule, i) => {
    if (rough.get(rk[i]!)! < 2) return;
    const key = ruleKey(rule);
    const earlier = first.get(key);
    if (earlier) out.push({ rule, earlier });
    else first.set(key, rule);
  });
  duplicateCache.set(chain.rules, out);
  return out;
}
