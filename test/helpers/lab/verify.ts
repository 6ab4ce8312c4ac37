// What the fix and convert work asks of the lab: "with ruleset X (+ patch), these
// probes must time out, those must reach the container, and the container's own
// connections must still get answers", and "do two rulesets treat the same probes
// the same way". Both load everything fresh and flush conntrack first.
import type { Lab, Probe, ProbeResult, Topology } from "../lab.js";
import { CLIENT, HOST } from "../lab.js";
import type { Load } from "./rulemap.js";

/** timeout: silently dropped. refused: rejected (RST / ICMP error). open: answered by anyone. reach: answered by that namespace. */
export type Want = "timeout" | "refused" | "open" | { reach: string };

export interface Expectation {
  probe: Probe;
  want: Want;
}

export interface Verdict {
  probe: Probe;
  want: Want;
  ok: boolean;
  got: string;
  /** the kernel's rule path of the first packet, as "table/chain:line verdict" */
  path: string[];
}

/** Replaces the host's firewall with the loads, in order (iptables restores, --noflush patches, nft files). */
export async function loadAll(lab: Lab, loads: readonly Load[]): Promise<void> {
  await lab.reset();
  for (const l of loads) {
    if (l.kind === "nft") await lab.loadNft(l.text, { label: l.label });
    else await lab.loadIptables(l.text, l.family, { noflush: l.noflush, label: l.label });
  }
}

export function describeResult(r: ProbeResult): string {
  const a = r.answer;
  return `${r.result}${r.code ? ` (${r.code})` : ""}${a ? ` from ${a.ns} as ${a.peer.addr}:${a.peer.port} -> ${a.local.addr}:${a.local.port}` : ""}`;
}

const pathOf = (r: ProbeResult) => (r.kernel?.steps ?? []).map((s) => `${s.table}/${s.chain}:${s.line ?? "?"} ${s.kind === "policy" ? `policy ${s.verdict}` : s.verdict}`);

function meets(r: ProbeResult, want: Want): boolean {
  if (want === "timeout") return r.result === "timeout";
  if (want === "refused") return r.result === "refused" || r.result === "unreachable";
  if (want === "open") return r.result === "open";
  return r.result === "open" && (r.probe.proto === "icmp" || r.answer?.ns === want.reach);
}

/**
 * Loads the ruleset (and patches) into the lab with this topology, sends every
 * probe with tracing on, and says for each whether it met its expectation.
 */
export async function verifyInLab(lab: Lab, opts: { topology: Topology; loads: readonly Load[]; expect: readonly Expectation[]; listen?: { tcp?: number[]; udp?: number[] } }): Promise<{ ok: boolean; verdicts: Verdict[] }> {
  await lab.setTopology(opts.topology);
  await loadAll(lab, opts.loads);
  const results = await lab.probe(
    opts.expect.map((e) => e.probe),
    { trace: true, ...(opts.listen ? { listen: opts.listen } : {}) },
  );
  const verdicts = results.map((r, i) => {
    const want = opts.expect[i]!.want;
    return { probe: r.probe, want, ok: meets(r, want), got: describeResult(r), path: pathOf(r) };
  });
  return { ok: verdicts.every((v) => v.ok), verdicts };
}

export interface LoadsDifference {
  probe: Probe;
  a: string;
  b: string;
}

/**
 * Sends the same probes under two rulesets (one lab, reloaded in between) and
 * lists the probes whose fate differs: result, who answered, and the post-NAT
 * addresses the answering side saw. NAT source ports are left out (a
 * --random-fully rule picks a new one each time).
 */
export async function compareLoads(lab: Lab, topology: Topology, a: readonly Load[], b: readonly Load[], probes: readonly Probe[], listen?: { tcp?: number[]; udp?: number[] }): Promise<LoadsDifference[]> {
  const run = async (loads: readonly Load[]) => {
    await lab.setTopology(topology);
    await loadAll(lab, loads);
    // traced, so that a result the kernel does not explain (a late answer) is retried
    return lab.probe(probes, { trace: true, ...(listen ? { listen } : {}) });
  };
  const ra = await run(a);
  const rb = await run(b);
  const fate = (r: ProbeResult) => `${r.result}${r.answer ? ` ${r.answer.ns} ${r.answer.peer.addr} -> ${r.answer.local.addr}:${r.answer.local.port}` : ""}`;
  const out: LoadsDifference[] = [];
  ra.forEach((r, i) => {
    if (fate(r) !== fate(rb[i]!)) out.push({ probe: probes[i]!, a: describeResult(r), b: describeResult(rb[i]!) });
  });
  return out;
}

/** A client probe to the host's published port and the like, for tests that build expectations by hand. */
export const fromClient = (p: Omit<Probe, "from">): Probe => ({ ...p, from: CLIENT });
export const fromHost = (p: Omit<Probe, "from">): Probe => ({ ...p, from: HOST });
