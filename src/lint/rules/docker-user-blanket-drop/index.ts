// DW104: DOCKER-USER sees all forwarded traffic, not only inbound connections
// to published ports. A drop there without an ingress interface, or with no
// RELATED,ESTABLISHED accept before it, also kills container egress or the
// replies to it.
import type { Rule } from "../../../syntax/ast.js";
import type { PacketSet } from "../../../engine/api.js";
import { engineView, sameRef } from "../../engine.js";
import { fromBridges, not, setOf, state, toBridgeNets } from "../../packets.js";
import type { LintRule } from "../../types.js";
import type { Constraint } from "../../../extensions/packet.js";

const CHAIN = "DOCKER-USER";
const DROPS = new Set(["drop", "reject"]);
/** Linux's default net.ipv4.ip_local_port_range. */
const EPHEMERAL = [32768, 60999] as const;

/** --ctorig* drops are DW103's subject. */
function matchesOriginalTuple(rule: Rule): boolean {
  return rule.matches.some((m) => m.name === "conntrack" && m.options.some((o) => o.name.startsWith("--ctorig")));
}

export const dockerUserBlanketDrop: LintRule = {
  meta: {
    id: "DW104",
    name: "docker-user-blanket-drop",
    severity: "warning",
    summary: "A DOCKER-USER drop not scoped by ingress interface, or with no ESTABLISHED accept before it, breaking container egress",
  },
  check(ctx, report) {
    const chain = ctx.chain("filter", CHAIN);
    if (!chain || !chain.rules.some((r) => r.target?.name === "DROP" || r.target?.name === "REJECT")) return;
    const view = engineView(ctx);
    if (view.bridges.length === 0) return;
    // DOCKER-USER sees forwarded packets only: nothing addressed to the host itself
    const forwarded: Constraint = { k: "addrtype", side: "dst", types: ["UNICAST"] };
    const egress = setOf(view, fromBridges(view), state("NEW"), forwarded);
    // replies to a container's own connection arrive on its local (ephemeral) port
    const replies = setOf(view, toBridgeNets(view), not(fromBridges(view)), state("ESTABLISHED"), { k: "num", field: "dport", ranges: [EPHEMERAL] }, forwarded);
    const hits = new Map<Rule, { egress?: PacketSet; replies?: PacketSet }>();
    for (const [kind, input] of [["egress", egress], ["replies", replies]] as const) {
      for (const part of view.chain("filter", CHAIN, input, "FORWARD")) {
        if (!DROPS.has(part.verdict) || !part.decidedBy) continue;
        const rule = view.ruleAt(part.decidedBy);
        if (!rule || rule.chain !== CHAIN || matchesOriginalTuple(rule)) continue;
        // a drop scoped to a bridge as ingress is an intended egress block
        if (kind === "egress" && rule.inIface && !rule.inIface.neg) continue;
        const h = hits.get(rule) ?? {};
        h[kind] = h[kind] ? h[kind]!.union(part.set) : part.set;
        hits.set(rule, h);
      }
    }
    for (const [rule, h] of hits) {
      const what = [h.egress ? "connections the containers open themselves" : "", h.replies ? "the replies to them" : ""].filter(Boolean).join(" and ");
      const advice = [
        h.egress ? "scope it to the external interface (-i eth0)" : "",
        h.replies ? "put 'iptables -I DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN' before it" : "",
      ].filter(Boolean).join(", and ");
      const ref = { table: "filter", chain: CHAIN, line: rule.span.line };
      const witness = view.witness((h.egress ?? h.replies)!, (t) => (t.outcome === "dropped" || t.outcome === "rejected") && sameRef(t.decidedBy, ref));
      report({
        message: `this DOCKER-USER drop also hits ${what}: DOCKER-USER sees all forwarded traffic, not only new connections to published ports. To limit it to inbound traffic, ${advice}`,
        at: ctx.ruleSubject(rule),
        ...(witness ? { witness } : {}),
      });
    }
  },
};
