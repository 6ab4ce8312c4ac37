// DW203: a jump or goto to a chain the dump never declares. iptables-restore
// refuses the whole table ("Couldn't load target"), so nothing in it applies.
import { BUILTIN_CHAINS } from "../../../syntax/ast.js";
import { chainTarget } from "../../structure.js";
import type { LintRule } from "../../types.js";

export const undefinedChain: LintRule = {
  meta: {
    id: "DW203",
    name: "undefined-chain",
    severity: "error",
    summary: "A jump or goto to a chain the dump never declares",
  },
  check(ctx, report) {
    for (const table of ctx.dump.tables.values()) {
      const builtins = BUILTIN_CHAINS.get(table.name) ?? [];
      for (const chain of table.chains.values()) {
        for (const rule of chain.rules) {
          const to = chainTarget(rule);
          if (to === undefined) continue;
          const target = table.chains.get(to);
          if (target?.declared || builtins.includes(to)) continue;
          const how = rule.target!.goto ? "goes to (-g)" : "jumps to";
          report({
            message: `this rule ${how} chain '${to}', which table ${table.name} does not have (never declared, or deleted with -X): iptables-restore rejects the whole ${table.name} table, so none of its rules load (keep the chain, or remove the jump)`,
            at: ctx.ruleSubject(rule),
            key: to,
          });
        }
      }
    }
  },
};
