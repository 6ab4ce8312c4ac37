// DW106: a port published on 127.0.0.1 is DNATed before the kernel's martian
// check, so a neighbour that sends to 127.0.0.1 through this host's MAC (or
// routes 127/8 here) reaches the container. Docker 28 adds a raw drop for it.
import { engineView } from "../../engine.js";
import { loopbackDst, not, setOf } from "../../packets.js";
import type { LintRule } from "../../types.js";

export const loopbackPublishReachable: LintRule = {
  meta: {
    id: "DW106",
    name: "loopback-publish-reachable",
    severity: "error",
    summary: "A port published on 127.0.0.1 without the raw-table drop, so it is reachable from the LAN",
  },
  check(ctx, report) {
    // IPv6 drops ::1 arriving on any other interface in ip6_rcv_core, before
    // netfilter sees it: no DNAT can be reached that way (ENGINE-NEEDS.md, 5)
    if (ctx.dump.family === "ipv6") return;
    const view = engineView(ctx);
    const remoteToLoopback = setOf(view, loopbackDst(view), not({ k: "iface", dir: "in", name: "lo" }));
    const realAddresses = view.u.of(not(loopbackDst(view)));
    for (const [line, group] of view.forwardedByDnat()) {
      const parts = group.parts.filter((p) => !view.trusted(p));
      // published on real addresses too: the loopback path exposes nothing more
      // (part by part, so that the usual DNAT stops at its first part, without a union)
      if (parts.length === 0 || parts.some((p) => !p.set.intersect(realAddresses).isEmpty())) continue;
      const hits = parts.map((p) => p.set.intersect(remoteToLoopback)).filter((x) => !x.isEmpty());
      if (hits.length === 0) continue;
      const r = parts[0]!.rewritten;
      const g = { set: view.union(hits), target: `${r.dst ?? "?"}${r.dport !== undefined ? `:${r.dport}` : ""}` };
      const at = view.subjectOf({ table: "nat", chain: "", line });
      const witness = view.witness(g.set, (t) => t.outcome === "forwarded");
      report({
        message: `this DNAT publishes on 127.0.0.1, but nothing drops loopback-addressed packets that arrive from outside: a host on the same LAN that sends to 127.0.0.1 via this machine reaches ${g.target}. Docker 28 adds 'iptables -t raw -A PREROUTING -d 127.0.0.1/32 ! -i lo -j DROP' for this; add it (or upgrade Docker to 28.3.3 or later)`,
        at,
        ...(witness ? { witness } : {}),
        key: g.target,
      });
    }
  },
};
