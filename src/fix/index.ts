// The fix builders, one per lint rule that has a mechanical fix, and the entry
// point that builds and proves every fix for a dump's findings. A fix whose
// proof fails is kept with status "failed" (so `lint` can say why there is
// none) but is never printed as a change to make.
import type { Dump } from "../syntax/ast.js";
import type { HostOptions } from "../engine/api.js";
import type { Finding } from "../lint/types.js";
import { buildContext, proofHost, type BuildContext } from "./context.js";
import { bypassFixes } from "./rules/bypass.js";
import { ctdirFix, originalTupleFix } from "./rules/conntrack.js";
import { blanketDropFix, moveToDockerUserFix, wireDockerUserFix } from "./rules/docker-user.js";
import { directRoutingDropFix, loopbackDropFix } from "./rules/raw.js";
import { verifyPlans } from "./verify.js";
import type { FixPlan, Verified } from "./types.js";

export type { FixPlan, Verified, Strategy, Edit, NftChain, NftPart } from "./types.js";
export { STRATEGIES } from "./types.js";
export { applyEdits } from "./apply.js";
export { verifyTogether } from "./verify.js";
export { proofHost } from "./context.js";

/** Builds the candidate fixes of one finding, or says why there is none. */
export type FixBuilder = (f: Finding, ctx: BuildContext) => FixPlan[] | string;

export const FIX_BUILDERS: ReadonlyMap<string, FixBuilder> = new Map<string, FixBuilder>([
  ["DW101", bypassFixes],
  ["DW102", originalTupleFix],
  ["DW103", ctdirFix],
  ["DW104", blanketDropFix],
  ["DW105", moveToDockerUserFix],
  ["DW106", loopbackDropFix],
  ["DW107", directRoutingDropFix],
  ["DW109", wireDockerUserFix],
  ["DW113", bypassFixes],
]);

export interface FindingFixes {
  finding: Finding;
  /** Every candidate with its proof; failed ones explain why in `detail`. */
  fixes: Verified[];
  /** Why no candidate could be built at all. */
  none?: string;
}

/** Builds and proves the fixes for the findings of one dump (findings of other dumps are ignored). */
export function fixFindings(dump: Dump, findings: readonly Finding[], opts: HostOptions = {}): FindingFixes[] {
  const mine = findings.filter((f) => f.subject?.dump === dump && FIX_BUILDERS.has(f.id));
  if (mine.length === 0) return [];
  const host = proofHost(dump, opts);
  const ctx = buildContext(dump, host);
  const built = mine.map((f) => {
    try {
      return { f, plans: FIX_BUILDERS.get(f.id)!(f, ctx) };
    } catch (e) {
      return { f, plans: `could not build a fix: ${(e as Error).message}` };
    }
  });
  const all = built.flatMap((b) => (typeof b.plans === "string" ? [] : b.plans));
  const proofs = verifyPlans(dump, all, host);
  const byPlan = new Map(proofs.map((v) => [v.plan, v]));
  return built.map((b) =>
    typeof b.plans === "string" ? { finding: b.f, fixes: [], none: b.plans } : { finding: b.f, fixes: b.plans.map((p) => byPlan.get(p)!) },
  );
}
