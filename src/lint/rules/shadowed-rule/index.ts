// DW201: a rule that can never match, because the rules before it (and the
// chains they call) decide every packet it would match. Exact: each built-in
// chain is partitioned by the engine, and a rule that no part's path reaches,
// though its own matches are satisfiable, is shadowed.
import type { ChainPart, Hook, PacketSet } from "../../../engine/api.js";
import { BUILTIN_CHAINS, type Rule } from "../../../syntax/ast.js";
import { isManagedChain, userWritesChain } from "../../context.js";
import { engineView, refWords, type EngineView } from "../../engine.js";
import { duplicatesIn, reachableChains } from "../../structure.js";
import type { LintRule } from "../../types.js";

/** Concrete traces tried per hook before partitioning it. */
const MAX_TRACES = 16;

/**
 * Whether the tracer, given a packet the rule matches on its own, takes the
 * rule (on any statistic branch): then the rule is not shadowed. A trace that
 * misses it proves nothing (the packet may be decided earlier while others
 * get through), so the caller falls back to the partition.
 */
function seenByTrace(view: EngineView, rule: Rule, set: PacketSet, hook: Hook): boolean {
  const member = view.pick(hook === "OUTPUT" ? set : set.intersect(view.u.inbound()));
  if (!member) return false;
  // OUTPUT rules cannot test an input interface: the same header, sent by the host
  const { in: _in, ...header } = member;
  const t = view.trace(hook === "OUTPUT" ? { ...header, fromHost: true } : member);
  const taken = (path: readonly { table: string; line: number }[]) => path.some((s) => s.table === rule.table && s.line === rule.span.line);
  return taken(t.path) || (t.alternatives ?? []).some((a) => taken(a.path));
}

/** Rules the user wrote; other managers' chains are theirs to order. */
function reported(rule: Rule): boolean {
  return userWritesChain(rule.chain) && !(isManagedChain(rule.chain) && rule.chain !== "DOCKER-USER");
}

export const shadowedRule: LintRule = {
  meta: {
    id: "DW201",
    name: "shadowed-rule",
    severity: "warning",
    summary: "A rule that can never match because earlier rules decide every packet it would match",
  },
  check(ctx, report) {
    const view = engineView(ctx);
    // by hook too: after routing, what a rule's -o matches depends on where the packet is routed
    const own = new Map<Hook, Map<Rule, PacketSet>>();
    const alone = (rule: Rule, hook: Hook) => {
      let sets = own.get(hook);
      if (!sets) own.set(hook, (sets = new Map()));
      let set = sets.get(rule);
      if (!set) sets.set(rule, (set = view.ruleMatch(rule, view.u.all(), hook)));
      return set;
    };
    // a rule on some packet's path is not shadowed: the whole-path analysis (shared with other rules) names most of them
    const onPaths = view.linesOnPaths();
    for (const table of ctx.dump.tables.values()) {
      const matched = new Set(onPaths.get(table.name));
      // a rule -> the built-in chain (hook) through which packets can reach it, and its parts
      const reach = new Map<Rule, { hook: Hook; parts: ChainPart[] }>();
      for (const builtin of BUILTIN_CHAINS.get(table.name) ?? []) {
        if (!table.chains.has(builtin)) continue;
        const hook = builtin as Hook;
        const below = reachableChains(table, builtin);
        const rules = [...below].flatMap((c) => table.chains.get(c)?.rules ?? []);
        // partitioning a hook costs the most here (a kube node's nat chains): only for rules nothing has seen match
        const open = rules.filter((r) => reported(r) && !matched.has(r.span.line) && !alone(r, hook).isEmpty());
        if (open.length <= MAX_TRACES) {
          for (const r of open) if (seenByTrace(view, r, alone(r, hook), hook)) matched.add(r.span.line);
        }
        if (!open.some((r) => !matched.has(r.span.line))) continue;
        const parts = view.chain(table.name, builtin, view.u.all(), hook);
        for (const p of parts) for (const s of p.path) if (s.table === table.name) matched.add(s.line);
        for (const rule of rules) if (!reach.has(rule)) reach.set(rule, { hook, parts });
      }
      // a copy of an earlier rule is DW202's (and DW108's) to report; asked only for the few rules left
      const isCopy = (rule: Rule) => duplicatesIn(table.chains.get(rule.chain)!).some((d) => d.rule === rule);
      for (const [rule, { hook, parts }] of reach) {
        if (matched.has(rule.span.line) || !reported(rule) || isCopy(rule)) continue;
        const set = alone(rule, hook);
        if (set.isEmpty()) continue;
        const over = parts.filter((p) => !p.set.intersect(set).isEmpty());
        // a match dockwall cannot evaluate may be what lets packets past: no verdict then
        if (over.length === 0 || over.some((p) => p.verdict === "undecided")) continue;
        const deciders = [...new Map(over.filter((p) => p.decidedBy).map((p) => [`${p.decidedBy!.table}/${p.decidedBy!.line}`, p.decidedBy!])).values()];
        const shown = deciders.slice(0, 3);
        const witness = view.witness(set.intersect(over[0]!.set));
        report({
          message: `this rule never matches: every packet it would match is decided earlier${shown.length ? `, by ${shown.map((d) => refWords(view, d)).join(", ")}${deciders.length > 3 ? ` and ${deciders.length - 3} more` : ""}` : ""}. Move it above them, or delete it`,
          at: ctx.ruleSubject(rule),
          related: shown.map((d) => ({ role: "decides first", at: view.subjectOf(d) })),
          ...(witness ? { witness } : {}),
        });
      }
    }
  },
};
