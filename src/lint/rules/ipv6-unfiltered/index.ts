// DW111: with both dumps of one host, a port IPv4 restricts (some sources are
// dropped) that IPv6 lets in from everywhere. Users write iptables rules and
// forget ip6tables; Docker's proxy also serves [::]:PORT for IPv4-only
// containers through INPUT.
import type { Dump } from "../../../syntax/ast.js";
import type { OutcomePart } from "../../../engine/api.js";
import { viewOf, refWords, type EngineView } from "../../engine.js";
import { loopbackDst, not, setOf, state } from "../../packets.js";
import type { LintRule } from "../../types.js";

const PROTOS = new Map([["tcp", 6], ["udp", 17]]);

/** (proto, port) pairs the dumps name in --dport or as published ports. */
function ports(dumps: Dump[]): Map<string, { proto: number; port: number }> {
  const out = new Map<string, { proto: number; port: number }>();
  for (const d of dumps) {
    for (const t of d.tables.values()) {
      for (const c of t.chains.values()) {
        for (const r of c.rules) {
          const proto = r.proto && !r.proto.neg ? PROTOS.get(r.proto.value) : undefined;
          if (proto === undefined) continue;
          for (const m of r.matches) {
            for (const o of m.options) {
              if (o.name !== "--dport" || o.neg || !/^\d+$/.test(o.args[0] ?? "")) continue;
              const port = Number(o.args[0]);
              out.set(`${proto}/${port}`, { proto, port });
            }
          }
        }
      }
    }
  }
  return out;
}

function toPort(view: EngineView, proto: number, port: number) {
  return setOf(
    view,
    { k: "num", field: "proto", ranges: [[proto, proto]] },
    { k: "num", field: "dport", ranges: [[port, port]] },
    { k: "iface", dir: "in", name: view.host.defaultIface },
    not(loopbackDst(view)),
    state("NEW"),
  );
}

/** For the host itself, or for a container through a published port. */
const forHost = (p: OutcomePart) => p.routing?.decision === "local" || p.nat.some((n) => n.kind === "DNAT");
/** Dropped by a rule or policy (not by the kernel's own checks). */
const blockedByRule = (p: OutcomePart) => (p.outcome === "dropped" || p.outcome === "rejected") && !!p.decidedBy && forHost(p);
const admitted = (p: OutcomePart) => (p.outcome === "local" || p.outcome === "forwarded") && forHost(p);

export const ipv6Unfiltered: LintRule = {
  meta: {
    id: "DW111",
    name: "ipv6-unfiltered",
    severity: "warning",
    summary: "Given both dumps, IPv6 lets in what IPv4 restricts",
    needsPair: true,
  },
  check(ctx, report) {
    const peer = ctx.peer;
    if (!peer || ctx.dump.family !== "ipv4" || peer.family !== "ipv6") return;
    const v4 = viewOf(ctx.dump);
    const v6 = viewOf(peer);
    for (const { proto, port } of ports([ctx.dump, peer]).values()) {
      const parts4 = v4.analyze(toPort(v4, proto, port));
      const blocked = parts4.find(blockedByRule);
      if (!blocked?.decidedBy) continue;
      const parts6 = v6.analyze(toPort(v6, proto, port));
      if (parts6.some(blockedByRule)) continue;
      const open = parts6.find(admitted);
      if (!open) continue;
      const witness = v6.witness(open.set, (t) => t.outcome === "local" || t.outcome === "forwarded");
      const name = proto === 6 ? "tcp" : "udp";
      report({
        message: `IPv4 restricts ${name} port ${port} (${refWords(v4, blocked.decidedBy)} drops some of it), but the IPv6 dump ${peer.file} lets every IPv6 source in${open.decidedBy ? ` (${refWords(v6, open.decidedBy)})` : ""}. Mirror the restriction in ip6tables (or use one nft 'table inet' for both families)`,
        at: v4.subjectOf(blocked.decidedBy),
        related: open.decidedBy ? [{ role: "IPv6 rule or policy that admits it", at: v6.subjectOf(open.decidedBy) }] : [],
        ...(witness ? { witness } : {}),
        key: `${name}/${port}`,
      });
    }
  },
};
