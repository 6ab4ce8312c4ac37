// DW101 and DW113 share one analysis: packets that nat PREROUTING DNATs and
// FORWARD accepts, which filter INPUT (and the chains it calls: ufw, firewalld)
// would have dropped had they reached it. The sets are exact; chain names and
// rule order do not matter.
import type { OutcomePart, PacketSet, RuleRef } from "../engine/api.js";
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
  const out: Bypass[] = [];
  // INPUT only ever meant packets for this host's own addresses, from outside;
  // traffic to a service address, or from the host's own containers, is another story.
  // INPUT's verdicts come first: they do not depend on the DNAT, and most hosts
  // restrict little, so only the DNATed parts that meet a restriction are joined
  // (joining every part of a kube node's partition is what costs).
  const meant = setOf(view, { k: "addrtype", side: "dst", types: ["LOCAL"] }, not(fromBridges(view)));
  const restrictions = view.chain("filter", "INPUT", meant, "INPUT").filter(
    // kube's own INPUT drops (KUBE-FIREWALL's 127/8 drop exempts DNATed
    // packets by its own `! --ctstate DNAT`; KUBE-PROXY-FIREWALL guards
    // FORWARD too) are not a restriction the user wrote
    (v) => DROPS.has(v.verdict) && !!v.decidedBy && !isKubeChain(v.decidedBy.chain),
  );
  if (restrictions.length > 0) {
    const groups = new Map<string, { dnat: RuleRef; accept: RuleRef | null; target: string; kube: boolean; parts: OutcomePart[] }>();
    for (const g of view.forwardedByDnat().values()) {
      for (const p of g.parts) {
        const key = `${g.line}\u0000${p.decidedBy?.table ?? ""}\u0000${p.decidedBy?.line ?? 0}`;
        const e = groups.get(key);
        if (e) {
          e.parts.push(p);
          continue;
        }
        const step = p.path.find((s) => s.table === "nat" && s.line === g.line);
        const dnat: RuleRef = { table: "nat", chain: step?.chain ?? "PREROUTING", line: g.line };
        // whose DNAT it is, not which chains the packet passed: on a kube+Docker
        // node every packet crosses KUBE-SERVICES before Docker's DNAT
        groups.set(key, { dnat, accept: p.decidedBy, target: targetText(view, p.rewritten), kube: isKubeChain(dnat.chain), parts: [p] });
      }
    }
    for (const v of restrictions) {
      for (const g of groups.values()) {
        const hits = g.parts.map((p) => p.set.intersect(v.set)).filter((s) => !s.isEmpty());
        if (hits.length > 0) out.push({ restriction: v.decidedBy!, dnat: g.dnat, accept: g.accept, target: g.target, kube: g.kube, set: view.union(hits) });
      }
    }
  }
  cache.set(view, out);
  return out;
}
