// DW101 and DW113 share one analysis: packets that nat PREROUTING DNATs and
// FORWARD accepts, which filter INPUT (and the chains it calls: ufw, firewalld)
// would have dropped had they reached it. The sets are exact; chain names and
// rule order do not matter.
import type { PacketSet, RuleRef } from "../engine/api.js";
import type { EngineView } from "./engine.js";
import { fromBridges, not, setOf } from "./packets.js";

export interface Bypass {
  /** The INPUT rule or policy that would have dropped the packets. */
  restriction: RuleRef;
  /** The DNAT rule (nat table). */
  dnat: RuleRef;
  /** The FORWARD rule or policy that accepts them instead. */
  accept: RuleRef | null;
  /** `ADDR:PORT` after DNAT. */
  target: string;
  /** Through kube-proxy's chains (NodePorts, external IPs), not Docker's. */
  kube: boolean;
  /** Exactly the packets that get through although the restriction names them. */
  set: PacketSet;
}

const DROPS = new Set(["drop", "reject", "policy-drop"]);

/** kube-proxy's and kubelet's chains (KUBE-SERVICES, KUBE-SEP-*, KUBE-FIREWALL, ...). */
export function isKubeChain(name: string): boolean {
  return name.startsWith("KUBE-");
}

const cache = new WeakMap<EngineView, Bypass[]>();

function targetText(view: EngineView, r: { dst?: string; dport?: number }): string {
  if (r.dport === undefined) return r.dst ?? "?";
  return view.host.family === "ipv6" ? `[${r.dst}]:${r.dport}` : `${r.dst}:${r.dport}`;
}

export function bypasses(view: EngineView): Bypass[] {
  const hit = cache.get(view);
  if (hit) return hit;
  const groups = new Map<string, { dnat: RuleRef; accept: RuleRef | null; target: string; kube: boolean; sets: PacketSet[]; set?: PacketSet }>();
  for (const p of view.inbound()) {
    if (p.outcome !== "forwarded") continue;
    const dnat = p.nat.find((n) => n.kind === "DNAT");
    if (!dnat) continue;
    const step = p.path.find((s) => s.table === "nat" && s.line === dnat.line);
    const ref: RuleRef = { table: "nat", chain: step?.chain ?? "PREROUTING", line: dnat.line };
    // whose DNAT it is, not which chains the packet passed: on a kube+Docker
    // node every packet crosses KUBE-SERVICES before Docker's DNAT
    const kube = isKubeChain(ref.chain);
    const key = `${dnat.line}\u0000${p.decidedBy?.table ?? ""}\u0000${p.decidedBy?.line ?? 0}`;
    const g = groups.get(key);
    if (g) g.sets.push(p.set);
    else groups.set(key, { dnat: ref, accept: p.decidedBy, target: targetText(view, p.rewritten), kube, sets: [p.set] });
  }
  const out: Bypass[] = [];
  if (groups.size > 0) {
    // INPUT only ever meant packets for this host's own addresses, from outside;
    // traffic to a service address, or from the host's own containers, is another story
    const meant = setOf(view, { k: "addrtype", side: "dst", types: ["LOCAL"] }, not(fromBridges(view)));
    for (const g of groups.values()) g.set = view.union(g.sets).intersect(meant);
    const all = view.union([...groups.values()].map((g) => g.set!));
    for (const v of view.chain("filter", "INPUT", all, "INPUT")) {
      if (!DROPS.has(v.verdict) || !v.decidedBy) continue;
      // kube's own INPUT drops (KUBE-FIREWALL's 127/8 drop exempts DNATed
      // packets by its own `! --ctstate DNAT`; KUBE-PROXY-FIREWALL guards
      // FORWARD too) are not a restriction the user wrote
      if (isKubeChain(v.decidedBy.chain)) continue;
      for (const g of groups.values()) {
        const set = v.set.intersect(g.set!);
        if (!set.isEmpty()) out.push({ restriction: v.decidedBy, dnat: g.dnat, accept: g.accept, target: g.target, kube: g.kube, set });
      }
    }
  }
  cache.set(view, out);
  return out;
}
