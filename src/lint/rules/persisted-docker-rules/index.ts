// DW108: Docker's dynamic rules saved into a restore file come back at boot
// next to the ones dockerd creates: duplicated rules, and DNATs to container
// addresses that no longer exist (no accept rule lets their traffic through).
import { duplicatesIn } from "../../structure.js";
import { isDockerChain, userWritesChain } from "../../context.js";
import { engineView } from "../../engine.js";
import { fromBridges, not } from "../../packets.js";
import type { LintRule } from "../../types.js";

export const persistedDockerRules: LintRule = {
  meta: {
    id: "DW108",
    name: "persisted-docker-rules",
    severity: "warning",
    summary: "Docker's own rules saved into a restore file: duplicates, or DNATs to addresses that no accept rule covers",
  },
  check(ctx, report) {
    for (const table of ctx.dump.tables.values()) {
      for (const chain of table.chains.values()) {
        if (!isDockerChain(chain.name) || chain.name === "DOCKER-USER") continue;
        for (const { rule, earlier } of duplicatesIn(chain)) {
          report({
            message: `Docker's rule from line ${earlier.span.line} is here twice: dockerd added it again on top of a saved copy (a rules.v4 or 'netfilter-persistent save' taken while Docker ran). Keep Docker's chains out of the restore file and let dockerd create them`,
            at: ctx.ruleSubject(rule),
            related: [{ role: "first copy", at: ctx.ruleSubject(earlier) }],
          });
        }
      }
    }
    const view = engineView(ctx);
    // containers' own hairpin traffic may be dropped on purpose (ICC off): look at outside traffic only
    const fromOutside = view.u.of(not(fromBridges(view)));
    const stale = new Map<number, { set: ReturnType<typeof view.u.empty>; target: string; by: string }>();
    for (const p of view.inbound()) {
      if (p.outcome !== "dropped" && p.outcome !== "rejected") continue;
      const dnat = p.nat.find((n) => n.kind === "DNAT");
      if (!dnat || p.routing?.decision !== "forward" || p.set.intersect(fromOutside).isEmpty()) continue;
      if (!p.path.some((s) => s.table === "nat" && s.line === dnat.line && isDockerChain(s.chain))) continue;
      // a drop the user wrote is a restriction, not a stale DNAT
      if (p.decidedBy && view.ruleAt(p.decidedBy) && userWritesChain(p.decidedBy.chain)) continue;
      const target = `${p.rewritten.dst ?? "?"}${p.rewritten.dport !== undefined ? `:${p.rewritten.dport}` : ""}`;
      const by = p.decidedBy ? `${p.decidedBy.chain} line ${p.decidedBy.line}` : "the kernel";
      const g = stale.get(dnat.line);
      if (g) g.set = g.set.union(p.set);
      else stale.set(dnat.line, { set: p.set, target, by });
    }
    for (const [line, g] of stale) {
      const witness = view.witness(g.set, (t) => t.outcome === "dropped" || t.outcome === "rejected");
      report({
        message: `this DNAT sends traffic to ${g.target}, but no rule accepts it there (${g.by} drops it): a DNAT without its filter ACCEPT is what a saved copy of Docker's rules leaves behind once the container is gone or has a new address`,
        at: view.subjectOf({ table: "nat", chain: "", line }),
        ...(witness ? { witness } : {}),
        key: `stale ${g.target}`,
      });
    }
  },
};
