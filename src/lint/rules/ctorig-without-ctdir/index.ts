// DW103: --ctorigdstport/--ctorigdst describe the connection, not the packet.
// Without --ctdir ORIGINAL (or an earlier ESTABLISHED accept) a drop on them
// also matches the replies to a container's own outbound connection to that
// port or address.
import type { Rule } from "../../../syntax/ast.js";
import { engineView } from "../../engine.js";
import { fromBridges, not, setOf, state, toBridgeNets } from "../../packets.js";
import type { LintRule } from "../../types.js";

const ORIG = new Set(["--ctorigdstport", "--ctorigdst"]);

function origOptions(rule: Rule): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const m of rule.matches) {
    if (m.name !== "conntrack") continue;
    if (m.options.some((o) => o.name === "--ctdir" && o.args[0] === "ORIGINAL")) return [];
    for (const o of m.options) if (ORIG.has(o.name) && !o.neg) out.push({ name: o.name, value: o.args[0]! });
  }
  return out;
}

export const ctorigWithoutCtdir: LintRule = {
  meta: {
    id: "DW103",
    name: "ctorig-without-ctdir",
    severity: "warning",
    summary: "A DROP on --ctorigdstport/--ctorigdst without --ctdir ORIGINAL or an earlier ESTABLISHED accept kills replies to containers' own connections",
  },
  check(ctx, report) {
    const filter = ctx.table("filter");
    if (!filter) return;
    const view = engineView(ctx);
    const replies = setOf(view, toBridgeNets(view), not(fromBridges(view)), state("ESTABLISHED"));
    for (const chain of filter.chains.values()) {
      const candidates = chain.rules.filter((r) => (r.target?.name === "DROP" || r.target?.name === "REJECT") && origOptions(r).length > 0);
      if (candidates.length === 0) continue;
      // Which established packets get past the earlier rules of this chain to each candidate?
      const parts = view.chain("filter", chain.name, replies, "FORWARD");
      for (const rule of candidates) {
        // decided before the rule's position, or carried on past it (or off the chain's end)
        const reaching = parts.filter((p) => !p.decidedBy || p.path.some((s) => s.chain === chain.name && s.table === "filter" && s.line >= rule.span.line));
        if (reaching.length === 0) continue;
        const opts = origOptions(rule);
        const o = opts[0]!;
        const example =
          o.name === "--ctorigdstport"
            ? `a container that connects out to some server's port ${o.value.replace(":", "-")} gets its replies dropped here`
            : `a container that connects out to ${o.value} gets its replies dropped here`;
        report({
          message: `${o.name} matches the connection's original direction, so it also matches the replies of connections that containers open themselves: ${example}. Add '--ctdir ORIGINAL' to this rule, or put '-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN' before it`,
          at: ctx.ruleSubject(rule),
        });
      }
    }
  },
};
