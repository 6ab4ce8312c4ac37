// The finding text and lines shared by DW101 (Docker) and DW113 (kube-proxy).
import type { LintContext } from "../../context.js";
import { bypasses } from "../../bypass.js";
import { engineView, refWords } from "../../engine.js";
import { describeSources } from "../../sources.js";
import type { FindingDraft } from "../../types.js";

const MAX_DESCRIBE = 240;

export function reportBypasses(ctx: LintContext, report: (d: FindingDraft) => void, kube: boolean) {
  const view = engineView(ctx);
  for (const b of bypasses(view)) {
    if (b.kube !== kube) continue;
    let who = describeSources(view, b.set);
    if (who.length > MAX_DESCRIBE) who = who.slice(0, MAX_DESCRIBE - 3) + "...";
    const restriction = `${refWords(view, b.restriction)} drops this traffic`;
    const by = kube ? "kube-proxy's NodePort/service DNAT" : "nat PREROUTING";
    const accepted = b.accept ? `, where ${refWords(view, b.accept)} accepts it` : "";
    const dnatLine = b.dnat.line;
    const related = [
      { role: kube ? "kube-proxy DNAT rule" : "DNAT rule", at: view.subjectOf(b.dnat) },
      ...(b.accept ? [{ role: view.ruleAt(b.accept) ? "FORWARD rule that accepts" : "FORWARD policy that accepts", at: view.subjectOf(b.accept) }] : []),
    ];
    const witness = view.witness(b.set, (t) => t.outcome === "forwarded" && t.nat.some((n) => n.kind === "DNAT" && n.line === dnatLine));
    report({
      message: `${restriction}, but ${by} (line ${dnatLine}) rewrites it to ${b.target} first, so it is routed through FORWARD${accepted}, and never reaches INPUT. Gets through from: ${who}`,
      at: view.subjectOf(b.restriction),
      related,
      ...(witness ? { witness } : {}),
      key: `${b.dnat.chain} ${b.target} ${b.accept?.chain ?? ""}`,
    });
  }
}
