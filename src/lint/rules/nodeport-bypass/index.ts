// DW113: kube-proxy's NodePort (and external IP) DNAT bypasses INPUT exactly
// as Docker's published ports do (DW101): same analysis, other owner.
import type { LintRule } from "../../types.js";
import { reportBypasses } from "../input-bypassed-by-dnat/report.js";

export const nodeportBypass: LintRule = {
  meta: {
    id: "DW113",
    name: "nodeport-bypass",
    severity: "error",
    summary: "kube-proxy NodePort DNAT bypasses the INPUT restrictions, the same shape as DW101",
  },
  check(ctx, report) {
    reportBypasses(ctx, report, true);
  },
};
