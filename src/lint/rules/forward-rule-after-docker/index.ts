// DW105: rules appended to FORWARD after Docker's jumps never see container
// traffic: Docker's chains accept (or drop) it first. They belong in
// DOCKER-USER, which Docker keeps at the top of FORWARD.
import type { Rule, Table } from "../../../syntax/ast.js";
import { isDockerChain } from "../../context.js";
import { engineView, refWords } from "../../engine.js";
import { chainTarget, reachableChains } from "../../structure.js";
import { fromBridges, or, outIfaceAsDst, setOf, toBridgeNets } from "../../packets.js";
import type { LintRule } from "../../types.js";

/** Docker's own FORWARD rules before 28: jumps to its chains and per-bridge accepts. */
function isDockers(rule: Rule, bridges: ReadonlySet<string>): boolean {
  if (rule.target && isDockerChain(rule.target.name)) return true;
  const iface = rule.inIface?.value ?? rule.outIface?.value;
  return iface !== undefined && bridges.has(iface) && rule.matches.every((m) => m.name === "conntrack") && !rule.src && !rule.dst && !rule.proto;
}

/**
 * A jump (not a goto) into chains that hold no rule with a verdict or an
 * effect: ufw's empty ufw-reject-forward, ufw-track-forward and the like.
 * Whether Docker decides first changes nothing for such a rule.
 */
function jumpsToNothing(rule: Rule, table: Table): boolean {
  const to = chainTarget(rule);
  if (to === undefined || rule.target!.goto) return false;
  for (const name of reachableChains(table, to)) {
    for (const r of table.chains.get(name)?.rules ?? []) {
      const t = r.target;
      // a jump or goto inside the called chains returns to the rule's chain at worst
      if (t && t.name !== "RETURN" && chainTarget(r) === undefined) return false;
    }
  }
  return true;
}

export const forwardRuleAfterDocker: LintRule = {
  meta: {
    id: "DW105",
    name: "forward-rule-after-docker",
    severity: "warning",
    summary: "User rules in FORWARD that Docker's jumps make unreachable for container traffic (they belong in DOCKER-USER)",
  },
  check(ctx, report) {
    const forward = ctx.chain("filter", "FORWARD");
    if (!forward) return;
    const firstDocker = forward.rules.findIndex((r) => r.target && isDockerChain(r.target.name) && r.target.name !== "DOCKER-USER");
    if (firstDocker < 0) return;
    const view = engineView(ctx);
    const bridges = new Set(view.bridges.map((b) => b.name));
    const filter = ctx.table("filter")!;
    const after = forward.rules.slice(firstDocker + 1).filter((r) => !isDockers(r, bridges) && !jumpsToNothing(r, filter));
    if (after.length === 0) return;
    const containerTraffic = setOf(view, or(fromBridges(view), toBridgeNets(view)));
    const forwarded = view.inbound().filter((p) => p.routing?.decision === "forward");
    const fresh = view.u.of({ k: "ctstate", states: ["NEW"] });
    for (const rule of after) {
      const line = rule.span.line;
      if (view.linesOnPaths().get("filter")?.has(line)) continue;
      // not the routed ruleMatch for -o: published-port packets to a bridge's gateway address must count (see outIfaceAsDst)
      const { outIface, ...rest } = rule;
      const meant = view.ruleMatch(rest, outIface ? containerTraffic.intersect(view.u.of(outIfaceAsDst(view, outIface))) : containerTraffic, "FORWARD");
      if (meant.isEmpty()) continue;
      // a new connection's decider says more than the ESTABLISHED accept every dump has
      // (searches that stop at the first hit: a kube node has ~10^6 forwarded parts)
      const freshMeant = meant.intersect(fresh);
      const decider = forwarded.find((p) => p.decidedBy && !p.set.intersect(freshMeant).isEmpty()) ?? forwarded.find((p) => p.decidedBy && !p.set.intersect(meant).isEmpty());
      const witness = decider ? view.witness(decider.set.intersect(meant), (t) => !t.path.some((s) => s.table === "filter" && s.line === line)) : undefined;
      const jump = forward.rules[firstDocker]!;
      report({
        message: `this FORWARD rule matches container traffic, but it comes after Docker's jump at line ${jump.span.line}, and Docker's chains decide that traffic first${decider?.decidedBy ? ` (${refWords(view, decider.decidedBy)})` : ""}: it never applies to containers. Move it into DOCKER-USER ('iptables -I DOCKER-USER ...'), which Docker keeps at the top of FORWARD`,
        at: ctx.ruleSubject(rule),
        related: [
          { role: "Docker's jump that decides first", at: ctx.ruleSubject(jump) },
          ...(decider?.decidedBy ? [{ role: "rule that decides instead", at: view.subjectOf(decider.decidedBy) }] : []),
        ],
        ...(witness ? { witness } : {}),
      });
    }
  },
};
