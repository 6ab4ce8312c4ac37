// DW201: a rule that can never match, because the rules before it (and the
// chains they call) decide every packet it would match. Exact: each built-in
// chain is partitioned by the engine, and a rule that no part's path reaches,
// though its own matches are satisfiable, is shadowed.
import type { ChainPart, Hook } from "../../../engine/api.js";
import { BUILTIN_CHAINS, type Rule } from "../../../syntax/ast.js";
import { isManagedChain, userWritesChain } from "../../context.js";
import { engineView, refWords } from "../../engine.js";
import { duplicatesIn, reachableChains } from "../../structure.js";
import type { LintRule } from "../../types.js";

export const shadowedRule: LintRule = {
  meta: {
    id: "DW201",
    name: "shadowed-rule",
    severity: "warning",
    summary: "A rule that can never match because earlier rules decide every packet it would match",
  },
  check(ctx, report) {
    const view = engineView(ctx);
    for (const table of ctx.dump.tables.values()) {
      const matched = new Set<number>();
      // a rule -> the built-in chain (hook) through which packets can reach it, and its parts
      const reach = new Map<Rule, { hook: Hook; parts: ChainPart[] }>();
      for (const builtin of BUILTIN_CHAINS.get(table.name) ?? []) {
        if (!table.chains.has(builtin)) continue;
        const hook = builtin as Hook;
        const below = reachableChains(table, builtin);
        // chainVerdicts does not route, so an -o test cannot be decided there (ENGINE-NEEDS.md, 4)
        if ([...below].some((c) => table.chains.get(c)?.rules.some((r) => r.outIface))) continue;
        const parts = view.chain(table.name, builtin, view.u.all(), hook);
        for (const p of parts) for (const s of p.path) if (s.table === table.name) matched.add(s.line);
        for (const name of below) {
          for (const rule of table.chains.get(name)?.rules ?? []) if (!reach.has(rule)) reach.set(rule, { hook, parts });
        }
      }
      const duplicates = new Set<Rule>();
      for (const c of table.chains.values()) for (const d of duplicatesIn(c)) duplicates.add(d.rule);
      for (const [rule, { hook, parts }] of reach) {
        if (matched.has(rule.span.line) || duplicates.has(rule) || !userWritesChain(rule.chain) || (isManagedChain(rule.chain) && rule.chain !== "DOCKER-USER")) continue;
        const alone = view.probe(rule, view.u.all(), hook);
        if (alone.isEmpty()) continue;
        const over = parts.filter((p) => !p.set.intersect(alone).isEmpty());
        // a match dockwall cannot evaluate may be what lets packets past: no verdict then
        if (over.length === 0 || over.some((p) => p.verdict === "undecided")) continue;
        const deciders = [...new Map(over.filter((p) => p.decidedBy).map((p) => [`${p.decidedBy!.table}/${p.decidedBy!.line}`, p.decidedBy!])).values()];
        const shown = deciders.slice(0, 3);
        const witness = view.witness(alone.intersect(over[0]!.set));
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
