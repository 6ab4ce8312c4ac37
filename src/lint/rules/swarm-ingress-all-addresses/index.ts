// DW114: swarm's routing mesh DNATs an ingress-published port from every
// local address (DOCKER-INGRESS has no -d): a bind address given in a stack
// file (127.0.0.1:8080:80) is ignored with only a warning.
import type { PacketSet } from "../../../engine/api.js";
import { engineView } from "../../engine.js";
import { loopbackDst, not, setOf } from "../../packets.js";
import type { LintRule } from "../../types.js";

const INGRESS = "DOCKER-INGRESS";

export const swarmIngressAllAddresses: LintRule = {
  meta: {
    id: "DW114",
    name: "swarm-ingress-all-addresses",
    severity: "info",
    summary: "Swarm ingress publishing ignores the bind address",
  },
  check(ctx, report) {
    // no ingress chain, no ingress DNAT: skip the pass over every part
    if (!ctx.chain("nat", INGRESS)?.rules.length) return;
    const view = engineView(ctx);
    const external = setOf(view, not(loopbackDst(view)), { k: "iface", dir: "in", name: view.host.defaultIface });
    const byDnat = new Map<number, { set: PacketSet; port?: number }>();
    for (const p of view.inbound()) {
      const dnat = p.nat.find((n) => n.kind === "DNAT");
      if (!dnat || !p.path.some((s) => s.chain === INGRESS && s.line === dnat.line)) continue;
      const set = p.set.intersect(external);
      if (set.isEmpty()) continue;
      const g = byDnat.get(dnat.line);
      if (g) g.set = g.set.union(set);
      else byDnat.set(dnat.line, { set, ...(dnat.port !== undefined ? { port: dnat.port } : {}) });
    }
    for (const [line, g] of byDnat) {
      const witness = view.witness(g.set);
      report({
        message: `swarm ingress publishes ${g.port !== undefined ? `port ${g.port}` : "this port"} on every address of this host, whatever bind address the service asked for: restrict it with 'mode: host' publishing, or filter it in DOCKER-USER (ingress keeps the port, so --dport works there)`,
        at: view.subjectOf({ table: "nat", chain: INGRESS, line }),
        ...(witness ? { witness } : {}),
      });
    }
  },
};
