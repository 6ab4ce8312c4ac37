// DW115: after DNAT, FORWARD-side rules see the container port. A rule keyed
// on that port (`--dport 80` with no address) opens every container that
// listens on 80, whatever host port each was published on.
import type { RuleRef } from "../../../engine/api.js";
import { userWritesChain } from "../../context.js";
import { engineView, sameRef } from "../../engine.js";
import type { LintRule } from "../../types.js";

export const containerPortCollision: LintRule = {
  meta: {
    id: "DW115",
    name: "container-port-collision",
    severity: "warning",
    summary: "A rule keyed on a container port also opens other containers that use that port",
  },
  check(ctx, report) {
    const view = engineView(ctx);
    // accepting user rule -> container targets it lets in, each with its DNAT
    const opened = new Map<string, { ref: RuleRef; targets: Map<string, { dnat: number; set: ReturnType<typeof view.u.empty> }> }>();
    for (const p of view.inbound()) {
      if (p.outcome !== "forwarded" || !p.decidedBy) continue;
      const dnat = p.nat.find((n) => n.kind === "DNAT");
      if (!dnat || p.rewritten.dst === undefined) continue;
      const rule = view.ruleAt(p.decidedBy);
      if (!rule || !userWritesChain(p.decidedBy.chain) || rule.dst) continue;
      if (!rule.matches.some((m) => m.options.some((o) => o.name === "--dport" || o.name === "--dports"))) continue;
      const k = `${p.decidedBy.table}/${p.decidedBy.line}`;
      let e = opened.get(k);
      if (!e) opened.set(k, (e = { ref: p.decidedBy, targets: new Map() }));
      const target = `${p.rewritten.dst}${p.rewritten.dport !== undefined ? `:${p.rewritten.dport}` : ""}`;
      const t = e.targets.get(target);
      if (t) t.set = t.set.union(p.set);
      else e.targets.set(target, { dnat: dnat.line, set: p.set });
    }
    for (const e of opened.values()) {
      if (e.targets.size < 2) continue;
      const list = [...e.targets.entries()];
      const witness = view.witness(list[1]![1].set, (t) => t.outcome === "forwarded" && sameRef(t.decidedBy, e.ref));
      report({
        message: `this rule matches the container port, which ${e.targets.size} published containers share: it lets traffic in to ${list.map(([t]) => t).join(", ")}. Match the published host port instead (-m conntrack --ctorigdstport PORT --ctdir ORIGINAL), or add -d CONTAINER`,
        at: view.subjectOf(e.ref),
        related: list.map(([t, v]) => ({ role: `DNAT to ${t}`, at: view.subjectOf({ table: "nat", chain: "", line: v.dnat }) })),
        ...(witness ? { witness } : {}),
      });
    }
  },
};
