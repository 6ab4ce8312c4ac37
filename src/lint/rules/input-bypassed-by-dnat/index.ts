// DW101: INPUT (or ufw/firewalld chains under it) restricts traffic that nat
// PREROUTING DNATs to a container; after DNAT the packet is routed to FORWARD,
// so the restriction never applies.
import type { LintRule } from "../../types.js";
import { reportBypasses } from "./report.js";

export const inputBypassedByDnat: LintRule = {
  meta: {
    id: "DW101",
    name: "input-bypassed-by-dnat",
    severity: "error",
    summary: "INPUT restricts traffic that nat PREROUTING DNATs to a container, so the restriction never applies",
  },
  check(ctx, report) {
    reportBypasses(ctx, report, false);
  },
};
