// DW112: a database, cache or admin port published to every source on every
// host address. Checked on sets: every source and every local address really
// reaches the container, not just "the DNAT has no -s".
import type { PacketSet } from "../../../engine/api.js";
import { engineView } from "../../engine.js";
import { and, not, loopbackDst, setOf, state } from "../../packets.js";
import type { LintRule } from "../../types.js";

export const SENSITIVE_PORTS: ReadonlyMap<number, string> = new Map([
  [2375, "Docker API (no TLS)"], [2376, "Docker API"], [3306, "MySQL"], [5432, "PostgreSQL"], [6379, "Redis"],
  [9200, "Elasticsearch"], [9300, "Elasticsearch transport"], [27017, "MongoDB"], [11211, "memcached"],
  [5984, "CouchDB"], [8086, "InfluxDB"], [9042, "Cassandra"], [1433, "SQL Server"], [1521, "Oracle"],
  [5672, "RabbitMQ"], [15672, "RabbitMQ admin"], [2379, "etcd"], [8500, "Consul"], [10250, "kubelet"],
]);

export const sensitivePortExposed: LintRule = {
  meta: {
    id: "DW112",
    name: "sensitive-port-exposed",
    severity: "warning",
    summary: "A database, cache or admin port published to every source on every address",
  },
  check(ctx, report) {
    const view = engineView(ctx);
    const sensitive = view.u.of({ k: "num", field: "dport", ranges: [...SENSITIVE_PORTS.keys()].map((p) => [p, p] as const) });
    const groups = new Map<string, { line: number; port: number; proto: number; sets: PacketSet[]; target: string }>();
    // each part meets the small set of sensitive ports first: joining a big partition's parts is what costs
    for (const [line, group] of view.forwardedByDnat()) {
      for (const p of group.parts) {
        const hit = p.set.intersect(sensitive);
        if (hit.isEmpty()) continue;
        const w = view.u.witness(hit);
        if (!w || w.dport === undefined) continue;
        const proto = w.proto === "udp" ? 17 : 6;
        const key = `${line}/${w.dport}`;
        const target = `${p.rewritten.dst ?? "?"}${p.rewritten.dport !== undefined ? `:${p.rewritten.dport}` : ""}`;
        const g = groups.get(key);
        // only the sensitive packets: `everyone` below holds no other, and they are the smaller sets to join
        if (g) g.sets.push(hit);
        else groups.set(key, { line, port: w.dport, proto, sets: [hit], target });
      }
    }
    if (groups.size === 0) return;
    const kernelDrops = view.union(view.inbound().filter((p) => p.outcome === "dropped" && !p.decidedBy).map((p) => p.set));
    for (const g0 of groups.values()) {
      const g = { ...g0, set: view.union(g0.sets) };
      // every source, every non-loopback local address, from the external interface
      const everyone = setOf(
        view,
        { k: "num", field: "proto", ranges: [[g.proto, g.proto]] },
        { k: "num", field: "dport", ranges: [[g.port, g.port]] },
        { k: "iface", dir: "in", name: view.host.defaultIface },
        { k: "addrtype", side: "dst", types: ["LOCAL"] },
        not(loopbackDst(view)),
        state("NEW"),
      );
      if (!everyone.subtract(kernelDrops).subtract(g.set).isEmpty()) continue;
      const witness = view.witness(g.set.intersect(everyone), (t) => t.outcome === "forwarded");
      report({
        message: `port ${g.port} (${SENSITIVE_PORTS.get(g.port)}) is published to every source on every address of this host and reaches ${g.target}: publish it on 127.0.0.1 or a private address (-p 127.0.0.1:${g.port}:...), or restrict the sources in DOCKER-USER`,
        at: view.subjectOf({ table: "nat", chain: "", line: g.line }),
        ...(witness ? { witness } : {}),
        key: `${g.port} ${g.target}`,
      });
    }
  },
};
