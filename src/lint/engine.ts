// The engine as the lint rules see it: one host model, universe and inbound
// partition per dump, computed once and shared by every rule; dump lines
// named by RuleRef turned back into Subjects; and witnesses that are checked
// by replaying them through the concrete tracer before they are shown.
import type { Dump, Rule } from "../syntax/ast.js";
import {
  analyze,
  chainVerdicts,
  // the parts of a big partition hold deferred sets: the engine joins those of one cached walk first
  unionAll,
  inferHost,
  makeUniverse,
  pathSegments,
  ruleMatch,
  trace,
  type ChainPart,
  type Hook,
  type HostModel,
  type HostOptions,
  type OutcomePart,
  type PacketSet,
  type PathStep,
  type RuleRef,
  type TracePacket,
  type TraceResult,
  type Universe,
} from "../engine/api.js";
import type { Constraint } from "../extensions/packet.js";
import { ADDR_BITS, maskOfPrefix, parseAddr } from "../syntax/inet.js";
import type { LintContext } from "./context.js";
import { PROFILE, profileSince, profileStart } from "./profile.js";
import type { Subject, Witness } from "./types.js";

export interface EngineView {
  dump: Dump;
  host: HostModel;
  u: Universe;
  /** Every packet arriving on an interface, partitioned by whole-path behaviour. */
  inbound(): OutcomePart[];
  /**
   * The inbound parts that nat DNATs and the host forwards, by the line of the
   * DNAT rule, with their union; built once, since several rules ask for it
   * and on a kube node the union is what costs.
   */
  forwardedByDnat(): ReadonlyMap<number, DnatGroup>;
  /** The part took an explicit ACCEPT in raw or mangle PREROUTING (see explicitlyTrusted); answered without reading paths when the dump has no such rule. */
  trusted(p: OutcomePart): boolean;
  /** Per table, the lines of every rule some inbound packet takes (its match succeeded, its target ran). */
  linesOnPaths(): ReadonlyMap<string, ReadonlySet<number>>;
  /** The whole-path partition of some inbound packets. */
  analyze(input: PacketSet): OutcomePart[];
  /**
   * What one chain decides for `input`, as if the packets reached it unchanged;
   * after routing, each packet routed first, so `-o` is decided.
   */
  chain(table: string, chain: string, input: PacketSet, hook: Hook): ChainPart[];
  subjectOf(ref: RuleRef): Subject;
  /** The rule at a RuleRef, when it names a rule (not a policy line). */
  ruleAt(ref: RuleRef): Rule | undefined;
  union(sets: readonly PacketSet[]): PacketSet;
  /**
   * The packets of `input` that the rule's matches accept, as if the rule were
   * the first one a packet meets (no earlier rule, no chain context); after
   * routing, each packet routed first, so `-o` is decided. Undecidable matches
   * leave their packets out.
   */
  ruleMatch(rule: Rule, input: PacketSet, hook: Hook): PacketSet;
  /** The concrete tracer on this dump and host. */
  trace(p: TracePacket): TraceResult;
  /** Docker bridges (and other interfaces the dump implies), with their subnets. */
  bridges: { name: string; addrs: { addr: string; prefix: number }[] }[];
  /** A member of `set`, the most ordinary one (a unicast address of this host, then any unicast, ...). */
  pick(set: PacketSet): TracePacket | undefined;
  /**
   * A member of `set`, replayed through the concrete tracer; undefined when the
   * set is empty or the replay disagrees with `expect` (then the finding is
   * reported without a witness rather than with a wrong one).
   */
  witness(set: PacketSet, expect?: (t: TraceResult) => boolean): Witness | undefined;
}

export interface DnatGroup {
  line: number;
  parts: OutcomePart[];
  /** The union of the parts' sets. */
  readonly set: PacketSet;
}

const cache = new WeakMap<Dump, EngineView>();

/** Host options given to `dockwall lint` (--iface, --host-addr, --default-iface). */
let hostOptions: HostOptions = {};

export function setHostOptions(o: HostOptions) {
  hostOptions = o;
}

export function engineView(ctx: LintContext): EngineView {
  return viewOf(ctx.dump);
}

export function viewOf(dump: Dump): EngineView {
  let v = cache.get(dump);
  if (!v) {
    v = makeView(dump, hostOptions);
    cache.set(dump, v);
  }
  return v;
}

/** Documentation addresses (RFC 5737 / RFC 3849) standing in for the host's unknown external address. */
const STAND_IN = { ipv4: "198.51.100.1", ipv6: "2001:db8::1" } as const;

function makeView(dump: Dump, given: HostOptions): EngineView {
  let opts = given;
  let host = inferHost(dump, opts);
  // Without an external address, the tracer would take any destination outside
  // the known subnets for the host itself; naming one keeps analysis and
  // replay (`--host-addr` in the trace command) in agreement.
  if (!host.ifaces.some((i) => i.name === host.defaultIface && i.addrs.length > 0)) {
    opts = { ...given, hostAddrs: [...(given.hostAddrs ?? []), STAND_IN[dump.family]] };
    host = inferHost(dump, opts);
  }
  const u = makeUniverse([dump], host);
  let inbound: OutcomePart[] | undefined;
  let byDnat: Map<number, DnatGroup> | undefined;
  let onPaths: Map<string, Set<number>> | undefined;
  let prefs: PacketSet[] | undefined;
  const byLine = new Map<string, Subject>();
  for (const table of dump.tables.values()) {
    for (const chain of table.chains.values()) {
      if (chain.declared) byLine.set(`${table.name}\u0000${chain.declared.line}`, { dump, table: table.name, chain: chain.name });
      for (const rule of chain.rules) {
        const k = `${table.name}\u0000${rule.span.line}`;
        // `-s a,b` makes several rules on one line: the first names the line
        if (!byLine.has(k)) byLine.set(k, { dump, table: table.name, chain: chain.name, rule });
      }
    }
  }
  // Findings of one kind often pick the same packet (every endpoint of a
  // NodePort has the same arriving packets), and a trace walks the dump.
  const traces = new Map<string, TraceResult>();
  const traced = (p: TracePacket) => {
    const k = JSON.stringify(p);
    let t = traces.get(k);
    if (!t) traces.set(k, (t = trace(dump, p, host)));
    return t;
  };
  const canTrust = ["raw", "mangle"].some((t) => (dump.tables.get(t)?.chains.get("PREROUTING")?.rules ?? []).some((r) => r.target?.name === "ACCEPT"));
  const view: EngineView = {
    dump,
    host,
    u,
    inbound: () => {
      if (!inbound) {
        const t0 = PROFILE ? profileStart() : undefined;
        inbound = analyze(dump, { host, universe: u, direction: "inbound" });
        if (t0) process.stderr.write(`dockwall: engine analyze ${profileSince(t0)}, ${inbound.length} parts\n`);
      }
      return inbound;
    },
    forwardedByDnat() {
      if (byDnat) return byDnat;
      const lists = new Map<number, OutcomePart[]>();
      for (const p of view.inbound()) {
        if (p.outcome !== "forwarded") continue;
        const dnat = p.nat.find((n) => n.kind === "DNAT");
        if (!dnat) continue;
        const list = lists.get(dnat.line);
        if (list) list.push(p);
        else lists.set(dnat.line, [p]);
      }
      byDnat = new Map();
      for (const [line, parts] of lists) {
        let set: PacketSet | undefined;
        byDnat.set(line, {
          line,
          parts,
          get set() {
            return (set ??= unionAll(u, parts.map((p) => p.set)));
          },
        });
      }
      return byDnat;
    },
    trusted: (p) => canTrust && explicitlyTrusted(p.path),
    linesOnPaths() {
      if (onPaths) return onPaths;
      onPaths = new Map();
      // parts share runs of steps (a flow's prefix, a cached walk's end): each run once
      const seen = new Set<readonly PathStep[]>();
      for (const p of view.inbound()) {
        for (const seg of pathSegments(p)) {
          if (seen.has(seg)) continue;
          seen.add(seg);
          let table = "";
          let lines: Set<number> | undefined;
          for (const s of seg) {
            if (s.table !== table || !lines) {
              table = s.table;
              lines = onPaths.get(table);
              if (!lines) onPaths.set(table, (lines = new Set()));
            }
            lines.add(s.line);
          }
        }
      }
      return onPaths;
    },
    analyze: (input) => analyze(dump, { host, universe: u, direction: "inbound", input }),
    chain: (table, chain, input, hook) => chainVerdicts(dump, table, chain, input, { universe: u, hook, routed: true }),
    subjectOf: (ref) => byLine.get(`${ref.table}\u0000${ref.line}`) ?? { dump, table: ref.table, chain: ref.chain, span: { line: ref.line, col: 1, endCol: 1 } },
    ruleAt: (ref) => byLine.get(`${ref.table}\u0000${ref.line}`)?.rule,
    union: (sets) => unionAll(u, sets),
    ruleMatch: (rule, input, hook) => ruleMatch(dump, rule, input, { universe: u, hook }),
    trace: (p) => traced(p),
    bridges: host.ifaces.filter((i) => i.origin === "dump" && i.name !== "lo"),
    pick(set) {
      // a loopback destination arriving from outside is a real path (DW106), but
      // a poor example of anything else: prefer a packet to a real address
      prefs ??= preferences(host).map((c) => u.of(c));
      for (const pref of prefs) {
        const s = set.intersect(pref);
        if (!s.isEmpty()) return u.witness(s);
      }
      return u.witness(set);
    },
    witness(set, expect) {
      const p = view.pick(set);
      if (!p) return undefined;
      const t = traced(p);
      if (expect && !expect(t)) return undefined;
      return toWitness(dump, p, t, opts);
    },
  };
  return view;
}

/** Most ordinary first: a unicast address of this host, then any unicast, then anything not loopback. */
function preferences(host: HostModel): Constraint[] {
  const odd: Constraint = { k: "or", cs: [loopback(host), multicast(host)] };
  const notOdd: Constraint = { k: "not", c: odd };
  const local: Constraint = { k: "and", cs: [notOdd, { k: "addrtype", side: "dst", types: ["LOCAL"] }] };
  const bridgeNets = host.ifaces.filter((i) => i.origin === "dump").flatMap((i) => i.addrs.map((a) => cidr(host, a.addr, a.prefix)));
  const external: Constraint[] = bridgeNets.length ? [{ k: "and", cs: [local, { k: "not", c: { k: "addr", field: "dst", ranges: bridgeNets } }] }] : [];
  const unicast: Constraint = { k: "and", cs: [notOdd, { k: "addrtype", side: "dst", types: ["UNICAST"] }] };
  return [...external, local, unicast, notOdd, { k: "not", c: loopback(host) }];
}

function cidr(host: HostModel, addr: string, prefix: number): readonly [bigint, bigint] {
  const fam = host.family;
  const mask = maskOfPrefix(prefix, fam);
  const a = parseAddr(addr, fam)! & mask;
  return [a, a | (~mask & ((1n << BigInt(ADDR_BITS[fam])) - 1n))];
}

function multicast(host: HostModel): Constraint {
  return host.family === "ipv4"
    ? { k: "addr", field: "dst", ranges: [[0xe0000000n, 0xffffffffn]] }
    : { k: "addr", field: "dst", ranges: [[0xff00n << 112n, (1n << 128n) - 1n]] };
}

function loopback(host: HostModel): Constraint {
  return host.family === "ipv4"
    ? { k: "addr", field: "dst", ranges: [[0x7f000000n, 0x7fffffffn]] }
    : { k: "addr", field: "dst", ranges: [[1n, 1n]] };
}

function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The `dockwall trace` command line that replays the packet. */
export function traceCommand(file: string, p: TracePacket, opts: HostOptions = {}): string {
  const words = ["dockwall", "trace", file === "<stdin>" ? "-" : file, "--src", p.src, "--dst", p.dst];
  if (p.proto && p.proto !== "tcp") words.push("--proto", p.proto);
  if (p.sport !== undefined) words.push("--sport", String(p.sport));
  if (p.dport !== undefined) words.push("--dport", String(p.dport));
  if (p.icmpType !== undefined) words.push("--icmp-type", p.icmpCode !== undefined ? `${p.icmpType}/${p.icmpCode}` : String(p.icmpType));
  if (p.fromHost) words.push("--from-host");
  else if (p.in) words.push("--in", p.in);
  if (p.state && p.state !== "new") words.push("--state", p.state);
  for (const i of opts.ifaces ?? []) words.push("--iface", i);
  for (const a of opts.hostAddrs ?? []) words.push("--host-addr", a);
  if (opts.defaultIface) words.push("--default-iface", opts.defaultIface);
  return words.map(shellWord).join(" ");
}

/** Plain words for what the tracer saw happen to the packet. */
export function describeTrace(t: TraceResult): string {
  const parts: string[] = [];
  for (const n of t.nat) parts.push(`${n.kind} to ${n.to} (line ${n.line})`);
  const by = t.decidedBy ? ` by ${t.decidedBy.table} ${t.decidedBy.chain} line ${t.decidedBy.line}` : "";
  switch (t.outcome) {
    case "forwarded":
      parts.push(`forwarded${t.final.iface ? ` out of ${t.final.iface}` : ""}, accepted${by}`);
      break;
    case "local":
      parts.push(`delivered to the host, accepted${by}`);
      break;
    case "dropped":
    case "rejected":
      parts.push(`${t.outcome}${by}${t.reason ? ` (${t.reason})` : ""}`);
      break;
    case "undecided":
      parts.push(`undecided: ${t.reason ?? "depends on a match dockwall cannot evaluate"}`);
      break;
  }
  return parts.join(", ");
}

function toWitness(dump: Dump, p: TracePacket, t: TraceResult, opts: HostOptions): Witness {
  const w: Witness = {
    family: dump.family,
    proto: t.packet.proto,
    src: t.packet.src,
    dst: t.packet.dst,
    outcome: describeTrace(t),
    traceCommand: traceCommand(dump.file, p, opts),
  };
  if (t.packet.sport !== undefined) w.sport = t.packet.sport;
  if (t.packet.dport !== undefined) w.dport = t.packet.dport;
  if (t.packet.in) w.iif = t.packet.in;
  return w;
}

/** Policy lines and rule lines read differently in messages. */
export function refWords(view: EngineView, ref: RuleRef): string {
  return view.ruleAt(ref) ? `${ref.table} ${ref.chain} line ${ref.line}` : `the ${ref.chain} policy (line ${ref.line})`;
}

export function sameRef(a: RuleRef | null | undefined, b: RuleRef | null | undefined): boolean {
  return !!a && !!b && a.table === b.table && a.line === b.line;
}

/**
 * The packets took an explicit ACCEPT in raw or mangle PREROUTING: someone
 * decided to trust that path (Docker's trusted_host_interfaces, WSL2's
 * loopback0), so it is not an accident to report.
 */
export function explicitlyTrusted(path: readonly { table: string; chain: string; target: string }[]): boolean {
  return path.some((s) => (s.table === "raw" || s.table === "mangle") && s.chain === "PREROUTING" && s.target === "ACCEPT");
}
