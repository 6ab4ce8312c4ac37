// DW107: a neighbour that routes a bridge subnet via this host reaches
// container ports nobody published: no raw drop (Docker 28+) and no FORWARD
// rule stops packets that were not DNATed from entering the bridge.
import type { PacketSet, RuleRef } from "../../../engine/api.js";
import { engineView, refWords } from "../../engine.js";
import { and, anyOf, fromBridges, not, setOf, state, toBridgeNets, cidrRange } from "../../packets.js";
import type { LintRule } from "../../types.js";
import type { Constraint } from "../../../extensions/packet.js";
import { dockerBridges } from "../../../engine/api.js";

export const directRoutingToContainers: LintRule = {
  meta: {
    id: "DW107",
    name: "direct-routing-to-containers",
    severity: "warning",
    summary: "Container addresses reachable by routing, with no Docker 28-style raw drop and FORWARD not protecting the bridge",
  },
  check(ctx, report) {
    const view = engineView(ctx);
    const docker = dockerBridges(ctx.dump);
    const bridges = view.bridges.filter((b) => docker.has(b.name));
    if (bridges.length === 0) return;
    // new connections only: packets of connections that exist already were let in once
    // arriving on any container interface (a pod's own bridge too) is not "from outside"
    const direct = setOf(view, toBridgeNets(view, bridges), not(fromBridges(view)), state("NEW"));
    const bridgeNames = new Set(bridges.map((b) => b.name));
    const candidates = view.inbound().filter(
      (p) => p.outcome === "forwarded" && p.nat.length === 0 && !!p.routing?.oif && bridgeNames.has(p.routing.oif) && !view.trusted(p),
    );
    if (candidates.length === 0) return;
    // What is published on purpose: the container address and port each DNAT leads to
    // (only those on a bridge: a kube node's thousands of pod endpoints cannot be in `direct`).
    const bridgeNets = bridges.flatMap((b) => b.addrs.map((a) => cidrRange(view, a.addr, a.prefix)));
    // keyed by address, then port, with no string built per part (a kube node has ~10^6)
    const seen = new Map<string, Set<number | undefined>>();
    const published: Constraint[] = [];
    for (const p of view.inbound()) {
      const { dst: to, dport } = p.rewritten;
      if (to === undefined) continue;
      let ports = seen.get(to);
      if (ports?.has(dport) || !p.nat.some((n) => n.kind === "DNAT")) continue;
      if (!ports) seen.set(to, (ports = new Set()));
      ports.add(dport);
      const addr = cidrRange(view, to, view.host.family === "ipv4" ? 32 : 128);
      if (!bridgeNets.some(([lo, hi]) => addr[0] >= lo && addr[1] <= hi)) continue;
      const dst: Constraint = { k: "addr", field: "dst", ranges: [addr] };
      published.push(dport !== undefined ? and(dst, { k: "num", field: "dport", ranges: [[dport, dport]] }) : dst);
    }
    const publishedSet = view.u.of(anyOf(published));
    // by bridge, then by the rule that accepts: the finding names an accept that really lets them in
    const byBridge = new Map<string, Map<string, { sets: PacketSet[]; accept: RuleRef | null }>>();
    for (const p of candidates) {
      const bridge = p.routing!.oif!;
      const byAccept = byBridge.get(bridge) ?? new Map();
      byBridge.set(bridge, byAccept);
      const k = p.decidedBy ? `${p.decidedBy.table}/${p.decidedBy.line}` : "";
      const e = byAccept.get(k);
      if (e) e.sets.push(p.set);
      else byAccept.set(k, { sets: [p.set], accept: p.decidedBy });
    }
    for (const [bridge, byAccept] of byBridge) {
      let g: { set: PacketSet; accept: RuleRef | null } | undefined;
      for (const e of byAccept.values()) {
        const set = view.union(e.sets.map((x) => x.intersect(direct)).filter((x) => !x.isEmpty())).subtract(publishedSet);
        if (!set.isEmpty()) {
          g = { set, accept: e.accept };
          break;
        }
      }
      if (!g) continue;
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
