// DW107: a neighbour that routes a bridge subnet via this host reaches
// container ports nobody published: no raw drop (Docker 28+) and no FORWARD
// rule stops packets that were not DNATed from entering the bridge.
import type { PacketSet, RuleRef } from "../../../engine/api.js";
import { engineView, explicitlyTrusted, refWords } from "../../engine.js";
import { and, fromBridges, not, setOf, state, toBridgeNets, cidrRange } from "../../packets.js";
import type { LintRule } from "../../types.js";
import type { Constraint } from "../../../extensions/packet.js";

export const directRoutingToContainers: LintRule = {
  meta: {
    id: "DW107",
    name: "direct-routing-to-containers",
    severity: "warning",
    summary: "Container addresses reachable by routing, with no Docker 28-style raw drop and FORWARD not protecting the bridge",
  },
  check(ctx, report) {
    const view = engineView(ctx);
    if (view.bridges.length === 0) return;
    // new connections only: packets of connections that exist already were let in once
    const direct = setOf(view, toBridgeNets(view), not(fromBridges(view)), state("NEW"));
    // What is published on purpose: the container address and port each DNAT leads to.
    const published: Constraint[] = [];
    for (const p of view.inbound()) {
      if (!p.nat.some((n) => n.kind === "DNAT") || p.rewritten.dst === undefined) continue;
      const dst: Constraint = { k: "addr", field: "dst", ranges: [cidrRange(view, p.rewritten.dst, view.host.family === "ipv4" ? 32 : 128)] };
      published.push(p.rewritten.dport !== undefined ? and(dst, { k: "num", field: "dport", ranges: [[p.rewritten.dport, p.rewritten.dport]] }) : dst);
    }
    const publishedSet = published.length ? view.u.of({ k: "or", cs: published }) : view.u.empty();
    const byBridge = new Map<string, { set: PacketSet; accept: RuleRef | null }>();
    for (const p of view.inbound()) {
      if (p.outcome !== "forwarded" || p.nat.length > 0 || !p.routing?.oif || explicitlyTrusted(p.path)) continue;
      if (!view.bridges.some((b) => b.name === p.routing!.oif)) continue;
      const set = p.set.intersect(direct).subtract(publishedSet);
      if (set.isEmpty()) continue;
      const g = byBridge.get(p.routing.oif);
      if (g) g.set = g.set.union(set);
      else byBridge.set(p.routing.oif, { set, accept: p.decidedBy });
    }
    for (const [bridge, g] of byBridge) {
      const witness = view.witness(g.set, (t) => t.outcome === "forwarded" && t.nat.length === 0);
      const at = g.accept ? view.subjectOf(g.accept) : ctx.chainSubject("filter", "FORWARD");
      report({
        message: `packets routed straight to containers on ${bridge} (not through a published port) are accepted${g.accept ? ` by ${refWords(view, g.accept)}` : ""}: any neighbour that routes the bridge subnet via this host reaches ports nobody published. Docker 28+ drops these in raw PREROUTING; add 'iptables -I DOCKER-USER ! -i ${bridge} -o ${bridge} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP' (or upgrade, and keep the FORWARD policy DROP)`,
        at,
        ...(witness ? { witness } : {}),
        key: bridge,
      });
    }
  },
};
