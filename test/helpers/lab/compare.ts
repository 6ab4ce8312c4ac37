// The differential check: what the kernel did with each probe against what
// `dockwall trace` (the engine's trace(), the same JSON v1) says for the same
// packet. Compared: outcome, final address and port, and the rule path.
import type { Dump } from "../../../src/syntax/ast.js";
import { inferHost, trace, type TracePacket, type TraceResult } from "../../../src/engine/api.js";
import { HOST, kernelOutcome, type ProbeResult, type Topology } from "../lab.js";

export type Outcome = TraceResult["outcome"];

export interface Side {
  outcome: Outcome | "inconsistent";
  final: { src?: string; dst?: string; sport?: number; dport?: number; iface?: string | null };
  path: string[];
  note?: string;
}

export interface Disagreement {
  scenario: string;
  probe: string;
  /** the packet as `dockwall trace` options */
  packet: TracePacket;
  fields: ("outcome" | "final" | "path")[];
  kernel: Side;
  engine: Side;
  probeResult: string;
}

const HOOK: Record<string, string> = { prerouting: "PREROUTING", input: "INPUT", forward: "FORWARD", output: "OUTPUT", postrouting: "POSTROUTING" };

/** The engine's TracePacket for a lab probe: arriving on the sender's link, or from the host. */
export function tracePacket(r: ProbeResult, topo: Topology): TracePacket {
  const p = r.probe;
  const base: TracePacket = { src: p.src, dst: p.dst, proto: p.proto, state: "new" };
  if (p.proto === "icmp") {
    base.icmpType = p.dst.includes(":") ? 128 : 8;
    base.icmpCode = 0;
  } else {
    base.sport = p.sport;
    base.dport = p.dport;
  }
  if (p.from === HOST) base.fromHost = true;
  else base.in = topo.containers.find((c) => c.ns === p.from)?.bridge ?? topo.uplink;
  return base;
}

const step = (table: string, chain: string, line: number | null, hook: string, policy?: string) => `${hook} ${table}/${chain}:${line ?? "?"}${policy ? ` policy:${policy.toUpperCase()}` : ""}`;

/** The kernel's side of a probe: outcome from the trace's last verdict, checked against what the probe saw. */
export function kernelSide(r: ProbeResult): Side {
  const k = r.kernel;
  const path = (k?.steps ?? []).map((s) => step(s.table, s.chain, s.line, HOOK[s.hook] ?? s.hook, s.kind === "policy" ? s.verdict : undefined));
  const ko = kernelOutcome(r);
  const seen = k?.seen.at(-1)?.hdr ?? {};
  const final: Side["final"] = {};
  if (r.answer) {
    final.src = r.answer.peer.addr;
    final.dst = r.answer.local.addr;
    if (r.probe.proto !== "icmp") {
      final.sport = r.answer.peer.port;
      final.dport = r.answer.local.port;
    }
  } else {
    if (seen.dst) final.dst = seen.dst;
    if (r.probe.proto !== "icmp" && seen.dport !== undefined) final.dport = seen.dport;
  }
  if (ko.outcome === "forwarded") final.iface = seen.oif ?? null;
  if (!ko.consistent || !ko.outcome) return { outcome: "inconsistent", final, path, note: ko.why ?? "" };
  return { outcome: ko.outcome, final, path };
}

const MAYBE = "? ";

/** The kernel's path is the engine's, each of the engine's maybe steps taken or not. */
function samePath(kernel: readonly string[], engine: readonly string[]): boolean {
  let k = 0;
  for (const e of engine) {
    if (e.startsWith(MAYBE)) {
      if (kernel[k] === e.slice(MAYBE.length)) k++;
    } else if (kernel[k++] !== e) return false;
  }
  return k === kernel.length;
}

export function engineSide(t: TraceResult): Side {
  return {
    outcome: t.outcome,
    final: { ...t.final },
    // a rule the engine could not decide but whose target is inert (PathStep.maybe): the kernel may or may not list it
    path: t.path.map((s) => `${s.maybe ? MAYBE : ""}${s.target.startsWith("policy:") ? step(s.table, s.chain, s.line, s.hook, s.target.slice(7)) : step(s.table, s.chain, s.line, s.hook)}`),
    ...(t.reason ? { note: t.reason } : {}),
  };
}

export interface Comparison {
  compared: number;
  agreed: number;
  /** engine said undecided (a module it cannot evaluate): not a disagreement, counted apart */
  undecided: number;
  /** outcomes of agreeing probes whose engine path went past a maybe step (an undecided match on an inert rule) */
  maybeAgreed: Outcome[];
  /** the probe and its trace contradict each other: a lab problem, listed apart */
  inconsistent: Disagreement[];
  disagreements: Disagreement[];
}

/** Compares every probe of one scenario; the dump is parsed once by the caller. */
export function compareScenario(name: string, dump: Dump, results: readonly ProbeResult[], topo: Topology, hostOptions: { ifaces: string[]; hostAddrs: string[]; defaultIface: string }): Comparison {
  const host = inferHost(dump, hostOptions);
  const out: Comparison = { compared: 0, agreed: 0, undecided: 0, maybeAgreed: [], inconsistent: [], disagreements: [] };
  for (const r of results) {
    const packet = tracePacket(r, topo);
    const kernel = kernelSide(r);
    let t: TraceResult;
    try {
      t = trace(dump, packet, host);
    } catch (e) {
      out.compared++;
      out.disagreements.push({ scenario: name, probe: r.probe.id, packet, fields: ["outcome"], kernel, engine: { outcome: "inconsistent", final: {}, path: [], note: `engine threw: ${(e as Error).message}` }, probeResult: r.result });
      continue;
    }
    // statistic (kube-proxy load balancing): the kernel took one of the engine's possible results
    const sides = [engineSide(t), ...(t.alternatives ?? []).map((a) => engineSide({ ...t, ...a }))];
    const engine = sides.find((e) => differingFields(kernel, e).length === 0) ?? sides[0]!;
    const probeResult = `${r.result}${r.code ? ` ${r.code}` : ""}${r.answer ? ` answered by ${r.answer.ns} ${r.answer.peer.addr}:${r.answer.peer.port} -> ${r.answer.local.addr}:${r.answer.local.port}` : ""}`;
    const rec = (fields: Disagreement["fields"]): Disagreement => ({ scenario: name, probe: r.probe.id, packet, fields, kernel, engine, probeResult });
    if (kernel.outcome === "inconsistent") {
      out.inconsistent.push(rec([]));
      continue;
    }
    if (t.outcome === "undecided") {
      out.undecided++;
      continue;
    }
    out.compared++;
    const fields = differingFields(kernel, engine);
    if (fields.length) out.disagreements.push(rec(fields));
    else {
      out.agreed++;
      if (engine.path.some((s) => s.startsWith(MAYBE))) out.maybeAgreed.push(t.outcome);
    }
  }
  return out;
}

/** Where the kernel's side and the engine's differ: outcome, final address/port, rule path. */
function differingFields(kernel: Side, engine: Side): Disagreement["fields"] {
  const fields: Disagreement["fields"] = [];
  if (kernel.outcome !== engine.outcome) fields.push("outcome");
  const kf = kernel.final;
  const ef = engine.final;
  // a field is compared when both sides state it (the kernel cannot state a
  // masqueraded source it never saw; the engine may decline a random port)
  const finalDiffers = (Object.keys(kf) as (keyof Side["final"])[]).some((k) => kf[k] !== undefined && ef[k] !== undefined && kf[k] !== ef[k]);
  if (finalDiffers) fields.push("final");
  if (!samePath(kernel.path, engine.path)) fields.push("path");
  return fields;
}

/**
 * What kind of disagreement this is, independent of the probe: which fields,
 * the final fields that differ, where the paths first part. Known kinds are
 * listed with their explanation in test/kernel/known-disagreements.json.
 */
export function signature(d: Disagreement): string {
  const parts: string[] = [];
  if (d.fields.includes("outcome")) parts.push(`outcome kernel=${d.kernel.outcome} engine=${d.engine.outcome}`);
  if (d.fields.includes("final")) {
    const keys = (Object.keys(d.kernel.final) as (keyof Side["final"])[]).filter((k) => d.kernel.final[k] !== undefined && d.engine.final[k] !== undefined && d.kernel.final[k] !== d.engine.final[k]);
    parts.push(`final ${keys.join(",")}`);
  }
  if (d.fields.includes("path")) {
    const i = d.kernel.path.findIndex((s, k) => s !== d.engine.path[k]);
    const at = i < 0 ? d.kernel.path.length : i;
    parts.push(`path kernel=${d.kernel.path[at] ?? "(end)"} engine=${d.engine.path[at] ?? "(end)"}`);
  }
  return `${d.scenario}: ${parts.join("; ")}`;
}

/** `dockwall trace` options for a lab probe, so a disagreement can be replayed on the command line. */
export function traceArgs(file: string, packet: TracePacket, hostOptions: { ifaces: string[]; hostAddrs: string[]; defaultIface: string }): string[] {
  const a = ["trace", file, "--format", "json", "--src", packet.src, "--dst", packet.dst, "--proto", packet.proto ?? "tcp"];
  if (packet.sport !== undefined) a.push("--sport", String(packet.sport));
  if (packet.dport !== undefined) a.push("--dport", String(packet.dport));
  if (packet.icmpType !== undefined) a.push("--icmp-type", `${packet.icmpType}/${packet.icmpCode ?? 0}`);
  if (packet.fromHost) a.push("--from-host");
  else if (packet.in) a.push("--in", packet.in);
  for (const i of hostOptions.ifaces) a.push("--iface", i);
  for (const h of hostOptions.hostAddrs) a.push("--host-addr", h);
  a.push("--default-iface", hostOptions.defaultIface);
  return a;
}
