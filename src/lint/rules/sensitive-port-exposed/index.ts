// DW112: a database, cache or admin port published to every source on every
// host address. Checked on sets: every source and every local address really
// reaches the container, not just "the DNAT has no -s".
import { pathSegments, type PacketSet, type PathStep } from "../../../engine/api.js";
import type { Rule } from "../../../syntax/ast.js";
import { PORT_PROTO_NAMES } from "../../../extensions/protocols.js";
import { parsePortRange } from "../../../extensions/values.js";
import { engineView, type EngineView } from "../../engine.js";
import { and, not, loopbackDst, setOf, state } from "../../packets.js";
import type { LintRule } from "../../types.js";

export const SENSITIVE_PORTS: ReadonlyMap<number, string> = new Map([
  [2375, "Docker API (no TLS)"], [2376, "Docker API"], [3306, "MySQL"], [5432, "PostgreSQL"], [6379, "Redis"],
  [9200, "Elasticsearch"], [9300, "Elasticsearch transport"], [27017, "MongoDB"], [11211, "memcached"],
  [5984, "CouchDB"], [8086, "InfluxDB"], [9042, "Cassandra"], [1433, "SQL Server"], [1521, "Oracle"],
  [5672, "RabbitMQ"], [15672, "RabbitMQ admin"], [2379, "etcd"], [8500, "Consul"], [10250, "kubelet"],
]);

const PORT_MODULES = new Set([...PORT_PROTO_NAMES, "multiport"]);

/** The destination ports a rule requires (a positive numeric --dport/--dports), or undefined. */
function requiredDports(rule: Rule): [number, number][] | undefined {
  let out: [number, number][] | undefined;
  for (const m of rule.matches) {
    if (!PORT_MODULES.has(m.name)) continue;
    for (const o of m.options) {
      if (o.neg || (o.name !== "--dport" && o.name !== "--dports") || o.args[0] === undefined) continue;
      const ranges = o.args[0].split(",").map(parsePortRange);
      // a port that does not parse: no claim
      if (ranges.every((r) => r !== undefined)) out = ranges as [number, number][];
    }
  }
  return out;
}

/**
 * Whether a rule the part's path took before its DNAT requires destination
 * ports none of which is sensitive: the part then holds no sensitive packet,
 * known without a set operation (a kube node has ~10^6 parts). Rules before
 * the DNAT (raw, mangle and nat PREROUTING) see the port as it arrived, and a
 * taken rule's test held for every packet of the part.
 */
function portsElsewhere(view: EngineView): (path: readonly (readonly PathStep[])[], dnatLine: number) => boolean {
  // by step object: the engine shares one step object per rule and hook among all parts
  const known = new Map<PathStep, boolean>();
  const blind = (s: PathStep) => {
    let v = known.get(s);
    if (v === undefined) {
      const rule = view.ruleAt({ table: s.table, chain: "", line: s.line });
      const ports = rule && requiredDports(rule);
      v = !!ports && ![...SENSITIVE_PORTS.keys()].some((p) => ports.some(([lo, hi]) => p >= lo && p <= hi));
      known.set(s, v);
    }
    return v;
  };
  return (segments, dnatLine) => {
    // the DNAT rule's own test is on the port as it arrived, too
    for (const seg of segments)
      for (const s of seg) {
        if (blind(s)) return true;
        if (s.table === "nat" && s.line === dnatLine) return false;
      }
    return false;
  };
}

export const sensitivePortExposed: LintRule = {
  meta: {
    id: "DW112",
    name: "sensitive-port-exposed",
    severity: "warning",
    summary: "A database, cache or admin port published to every source on every address",
  },
  check(ctx, report) {
    const view = engineView(ctx);
    // new connections to a sensitive port of a (non-loopback) address of this
    // host from the external interface: the only packets the verdict below
    // looks at, so the only ones worth taking out of each part
    const sensitive = setOf(
      view,
      { k: "num", field: "dport", ranges: [...SENSITIVE_PORTS.keys()].map((p) => [p, p] as const) },
      { k: "iface", dir: "in", name: view.host.defaultIface },
      { k: "addrtype", side: "dst", types: ["LOCAL"] },
      not(loopbackDst(view)),
      state("NEW"),
    );
    // each part meets the small set of sensitive ports first: joining a big partition's parts is what costs
    const byLine = new Map<number, { hits: PacketSet[]; target: string }>();
    const blind = portsElsewhere(view);
    for (const [line, group] of view.forwardedByDnat()) {
      for (const p of group.parts) {
        if (blind(pathSegments(p), line)) continue;
        const hit = p.set.intersect(sensitive);
        if (hit.isEmpty()) continue;
        const e = byLine.get(line);
        if (e) e.hits.push(hit);
        else byLine.set(line, { hits: [hit], target: `${p.rewritten.dst ?? "?"}${p.rewritten.dport !== undefined ? `:${p.rewritten.dport}` : ""}` });
      }
    }
    if (byLine.size === 0) return;
    // one group per DNAT rule and sensitive port it publishes (usually one: two witnesses per rule)
    const groups: { line: number; port: number; proto: number; set: PacketSet; target: string }[] = [];
    for (const [line, e] of byLine) {
      let rest = view.union(e.hits);
      for (let w = view.u.witness(rest); w?.dport !== undefined; w = view.u.witness(rest)) {
        const port = w.dport;
        const onPort = view.u.of({ k: "num", field: "dport", ranges: [[port, port]] });
        groups.push({ line, port, proto: w.proto === "udp" ? 17 : 6, set: rest.intersect(onPort), target: e.target });
        rest = rest.subtract(onPort);
      }
    }
    const kernelDrops = view.union(view.inbound().filter((p) => p.outcome === "dropped" && !p.decidedBy).map((p) => p.set.intersect(sensitive)).filter((x) => !x.isEmpty()));
    const everyones = new Map<string, PacketSet>();
    for (const g of groups) {
      // every source, every non-loopback local address, from the external interface
      // (the port is a sensitive one: these are packets of `sensitive`)
      const k = `${g.proto}/${g.port}`;
      let everyone = everyones.get(k);
      if (!everyone) {
        everyone = sensitive.intersect(view.u.of(and({ k: "num", field: "proto", ranges: [[g.proto, g.proto]] }, { k: "num", field: "dport", ranges: [[g.port, g.port]] })));
        everyones.set(k, everyone);
      }
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
