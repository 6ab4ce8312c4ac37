// DW204: a user chain nothing jumps to. Its rules never see a packet, which is
// usually a forgotten `-j` after a rename, or leftovers of an old setup.
import { isManagedChain } from "../../context.js";
import { references } from "../../structure.js";
import type { LintRule } from "../../types.js";

export const unreferencedChain: LintRule = {
  meta: {
    id: "DW204",
    name: "unreferenced-chain",
    severity: "info",
    summary: "A user chain that nothing jumps to (Docker's own chains excepted)",
  },
  check(ctx, report) {
    for (const table of ctx.dump.tables.values()) {
      const refs = references(table);
      for (const chain of table.chains.values()) {
        if (chain.builtin || !chain.declared || isManagedChain(chain.name)) continue;
        const from = (refs.get(chain.name) ?? []).filter((r) => r.chain !== chain.name);
        if (from.length > 0) continue;
        const what = chain.rules.length === 0 ? "it is empty too" : `its ${chain.rules.length} rule${chain.rules.length === 1 ? "" : "s"} never see a packet`;
        report({
          message: `no rule jumps to chain ${chain.name} in table ${table.name}: ${what}`,
          at: ctx.chainSubject(table.name, chain.name),
        });
      }
    }
  },
};
