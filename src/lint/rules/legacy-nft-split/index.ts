// DW110: the dump ends with iptables' own warning that legacy (x_tables) rules
// exist too. Both backends filter every packet, and this dump shows only one.
import type { LintRule } from "../../types.js";

export const legacyNftSplit: LintRule = {
  meta: {
    id: "DW110",
    name: "legacy-nft-split",
    severity: "warning",
    summary: "iptables-legacy tables are also present, so the analysis sees half the firewall",
  },
  check(ctx, report) {
    const w = ctx.dump.legacyTablesWarning;
    if (!w) return;
    const tool = ctx.dump.family === "ipv6" ? "ip6tables-legacy-save" : "iptables-legacy-save";
    report({
      message: `iptables says legacy tables are loaded as well: the kernel runs both rule sets on every packet, and a DROP in either one wins. dockwall sees only this dump; lint the output of ${tool} too, and move everything to one backend`,
      at: { dump: ctx.dump, table: "", chain: "", span: w },
      key: "legacy-tables-warning",
    });
  },
};
