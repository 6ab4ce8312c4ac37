// DW205: `-m state --state` where `-m conntrack --ctstate` is meant. The state
// match is an alias kept for compatibility; iptables-nft translates both the
// same way, but the conntrack form is the one documented and extended.
import { userChains } from "../../context.js";
import type { LintRule } from "../../types.js";

export const deprecatedStateMatch: LintRule = {
  meta: {
    id: "DW205",
    name: "deprecated-state-match",
    severity: "info",
    summary: "-m state where -m conntrack --ctstate is meant",
  },
  check(ctx, report) {
    // Docker <= 24 writes -m state in its swarm chains itself; only the user can change theirs.
    for (const chain of userChains(ctx.dump)) {
      for (const rule of chain.rules) {
        const m = rule.matches.find((x) => x.name === "state");
        if (!m) continue;
        const st = m.options.find((o) => o.name === "--state");
        const states = st ? `${st.neg ? "! " : ""}--ctstate ${st.args.join(" ")}` : "--ctstate ...";
        report({
          message: `-m state is the old alias of the conntrack match: write '-m conntrack ${states}'`,
          at: ctx.ruleSubject(rule),
        });
      }
    }
  },
};
