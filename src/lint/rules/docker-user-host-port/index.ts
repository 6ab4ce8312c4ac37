// DW102: DOCKER-USER and FORWARD run after nat PREROUTING, when the packet
// already carries the container's address and port. A rule written against
// the host port or a host address that DNAT rewrote never matches as meant.
import type { PacketSet } from "../../../engine/api.js";
import type { Rule } from "../../../syntax/ast.js";
import { isDockerChain } from "../../context.js";
import { engineView, type EngineView } from "../../engine.js";
import type { LintRule } from "../../types.js";

function keyedOnHeader(rule: Rule): boolean {
  return !!rule.dst || rule.matches.some((m) => m.name !== "conntrack" && m.options.some((o) => o.name === "--dport" || o.name === "--dports"));
}

/**
 * A `-d` that names destinations other than this host's own addresses (a pod
 * network, a routed subnet) describes packets as FORWARD sees them; that the
 * range also holds a host address (flannel's cni0 gateway in 10.244.0.0/16)
 * does not make the rule one about the host.
 */
function namesRoutedDestinations(view: EngineView, rule: Rule): boolean {
  if (!rule.dst) return false;
  const onlyDst: Rule = { table: rule.table, chain: rule.chain, span: rule.span, dst: rule.dst, matches: [] };
  const local = view.u.of({ k: "addrtype", side: "dst", types: ["LOCAL"] });
  return !view.ruleMatch(onlyDst, view.u.all(), "FORWARD").subtract(local).isEmpty();
}

export const dockerUserHostPort: LintRule = {
  meta: {
    id: "DW102",
    name: "docker-user-host-port",
    severity: "error",
    summary: "A DOCKER-USER or FORWARD rule matches the host port or a host address that DNAT already rewrote",
  },
  check(ctx, report) {
    const filter = ctx.table("filter");
    if (!filter) return;
    const candidates: Rule[] = [...(filter.chains.get("DOCKER-USER")?.rules ?? [])];
    // FORWARD rules above Docker's own jumps see the same post-DNAT packets
    for (const r of filter.chains.get("FORWARD")?.rules ?? []) {
      if (r.target && isDockerChain(r.target.name)) break;
      candidates.push(r);
    }
    if (!candidates.some(keyedOnHeader)) return;
    const view = engineView(ctx);
    const todo = candidates.filter((r) => keyedOnHeader(r) && !namesRoutedDestinations(view, r));
    if (todo.length === 0) return;
    const dnated = view.inbound().filter((p) => p.routing?.decision === "forward" && p.nat.some((n) => n.kind === "DNAT"));
    if (dnated.length === 0) return;
    for (const rule of todo) {
      // as the packet arrived (host address and port) vs. what really reaches the rule;
      // each part meets the rule's own matches first, so that only the parts it names are joined
      const own = view.ruleMatch(rule, view.u.inbound(), "FORWARD");
      if (own.isEmpty()) continue;
      const named: PacketSet[] = [];
      const through: PacketSet[] = [];
      const targets = new Set<string>();
      for (const p of dnated) {
        const s = p.set.intersect(own);
        if (s.isEmpty()) continue;
        named.push(s);
        if (p.path.some((st) => st.table === "filter" && st.line === rule.span.line)) through.push(s);
        else targets.add(`${p.rewritten.dst ?? "?"}${p.rewritten.dport !== undefined ? `:${p.rewritten.dport}` : ""}`);
      }
      if (named.length === 0) continue;
      const intended = view.union(named);
      const actual = view.union(through);
      const missed = intended.subtract(actual);
      if (missed.isEmpty()) continue;
      const line = rule.span.line;
      const witness = view.witness(missed, (t) => !t.path.some((s) => s.table === "filter" && s.line === line));
      const what = rule.dst ? `the address ${rule.dst.addr}/${rule.dst.prefix ?? rule.dst.mask}` : "this destination port";
      report({
        message: `this rule tests ${what} as the packet arrived at the host, but in ${rule.chain} the packet already carries the container's address and port (${[...targets].join(", ") || "after DNAT"}), so it never matches the traffic it names. Match the original destination instead: -m conntrack --ctorigdstport PORT / --ctorigdst ADDR --ctdir ORIGINAL`,
        at: ctx.ruleSubject(rule),
        ...(witness ? { witness } : {}),
        key: rule.chain,
      });
    }
  },
};
