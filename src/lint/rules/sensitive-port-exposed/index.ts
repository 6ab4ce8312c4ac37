// DW112: a database, cache or admin port published to every source on every
// host address. Checked on sets: every source and every local address really
// reaches the container, not just "the DNAT has no -s".
import type { OutcomePart, PacketSet } from "../../../engine/api.js";
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
    // group by DNAT rule first: set operations on every part of a big partition are what costs
    const byDnat = new Map<number, OutcomePart[]>();
    for (const p of view.inbound()) {
      if (p.outcome !== "forwarded") continue;
      const dnat = p.nat.find((n) => n.kind === "DNAT");
      if (!dnat) continue;
      const list = byDnat.get(dnat.line);
      if (list) list.push(p);
      else byDnat.set(dnat.line, [p]);
    }
    const groups = new Map<string, { line: number; port: number; proto: number; set: PacketSet; target: string }>();
    for (const [line, parts] of byDnat) {
      const all = view.union(parts.map((p) => p.set)).intersect(sensitive);
      if (all.isEmpty()) continue;
      for (const p of parts) {
        const hit = p.set.intersect(sensitive);
        const w = view.u.witness(hit);
        if (!w || w.dport === undefined) continue;
        const proto = w.proto === "udp" ? 17 : 6;
        const key = `${line}/${w.dport}`;
        const target = `${p.rewritten.dst ?? "?"}${p.rewritten.dport !== undefined ? `:${p.rewritten.dport}` : ""}`;
        const g = groups.get(key);
        if (g) g.set = g.set.union(p.set);
        else groups.set(key, { line, port: w.dport, proto, set: p.set, target });
      }
    }
    const kernelDrops = view.union(view.inbound().filter((p) => p.outcome === "dropped" && !p.decidedBy).map((p) => p.set));
    for (const g of groups.values()) {
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
