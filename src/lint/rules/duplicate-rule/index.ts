// DW202: the same rule twice in one chain. The second copy can never change
// the outcome (it sees only what the first let through, and does the same).
import { duplicatesIn } from "../../structure.js";
import { userChains } from "../../context.js";
import type { LintRule } from "../../types.js";

export const duplicateRule: LintRule = {
  meta: {
    id: "DW202",
    name: "duplicate-rule",
    severity: "warning",
    summary: "The same rule appears twice in one chain",
  },
  check(ctx, report) {
    // Duplicated Docker rules are persisted-rule debris: DW108 explains those.
    for (const chain of userChains(ctx.dump)) {
      for (const { rule, earlier } of duplicatesIn(chain)) {
        report({
          message: `this rule repeats line ${earlier.span.line} of chain ${chain.name} word for word; the copy never changes what happens to a packet`,
          at: ctx.ruleSubject(rule),
          related: [{ role: "first copy", at: ctx.ruleSubject(earlier) }],
        });
      }
    }
  },
};
