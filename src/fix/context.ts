// What every fix builder works from: the dump, the host model, one universe
// and the original's inbound partition (computed once per dump), lines turned
// back into rules, and names for the chains fixes create.
import type { Dump, Rule } from "../syntax/ast.js";
import { analyze, inferHost, makeUniverse, type HostModel, type HostOptions, type OutcomePart, type PacketSet, type Universe } from "../engine/api.js";

/** When nothing says what the host's address is, the proof assumes this one on the external interface. */
export const ASSUMED_HOST_ADDR = { ipv4: "198.51.100.1", ipv6: "2001:db8::1" } as const;

export interface BuildContext {
  dump: Dump;
  host: HostModel;
  u: Universe;
  before(): OutcomePart[];
  ruleAt(table: string, line: number): Rule | undefined;
  /** A chain name that neither the dump nor an earlier fix uses. */
  chainName(table: string, wanted: string): string;
  /** Packets addressed to one of this host's addresses (INPUT restrictions only ever applied to those). */
  local(): PacketSet;
  isNew(): PacketSet;
  /** Per-dump memory for builders: two findings about one DNAT rule share one fix. */
  memo: Map<string, unknown>;
  /**
   * Whether the universe holds packets arriving on interfaces neither the dump
   * nor the user names. When it does not (src/fix/ENGINE-NOTES.md), "every
   * blocked packet arrives on eth0" is vacuous, so fixes must not be narrowed
   * to a named interface.
   */
  seesUnnamedIfaces: boolean;
}

/** A name no rule pattern of the dump and no host interface covers, or undefined. */
function unnamedIface(dump: Dump, host: HostModel): string | undefined {
  const exact = new Set(host.ifaces.map((i) => i.name));
  const prefixes: string[] = [];
  for (const t of dump.tables.values())
    for (const c of t.chains.values())
      for (const r of c.rules)
        for (const i of [r.inIface, r.outIface]) if (i) (i.value.endsWith("+") ? prefixes.push(i.value.slice(0, -1)) : exact.add(i.value));
  for (let n = 0; n < 100; n++) {
    const name = `dwunnamed${n}`;
    if (!exact.has(name) && !prefixes.some((p) => name.startsWith(p))) return name;
  }
  return undefined;
}

function seesUnnamed(dump: Dump, host: HostModel, u: Universe): boolean {
  const name = unnamedIface(dump, host);
  // a bare `+` covers every name: the universe has an atom for all of them
  if (!name) return true;
  const addr = dump.family === "ipv4" ? "192.0.2.1" : "2001:db8:ffff::1";
  return u.contains(u.inbound(), { src: addr, dst: addr, proto: "udp", sport: 1, dport: 1, in: name });
}

/**
 * The host model for proofs: the one the user described, with an assumed
 * address on the external interface when none is known (addrtype LOCAL
 * needs at least one), said in `assumptions`.
 */
export function proofHost(dump: Dump, opts: HostOptions = {}): HostModel {
  const h = inferHost(dump, opts);
  const ext = h.ifaces.find((i) => i.name === h.defaultIface);
  if (ext && ext.addrs.length) return h;
  const addr = ASSUMED_HOST_ADDR[dump.family];
  const withAddr = inferHost(dump, { ...opts, hostAddrs: [...(opts.hostAddrs ?? []), addr] });
  // an assumption, not something the user told us: fixes must not name this interface
  const assumed = withAddr.ifaces.find((i) => i.name === h.defaultIface);
  if (assumed) assumed.origin = ext?.origin ?? "default";
  withAddr.assumptions.push(`no address of ${h.defaultIface} given: the proof assumes ${addr} (give --host-addr to use the real one)`);
  return withAddr;
}

const MAX_CHAIN = 28;

export function buildContext(dump: Dump, host: HostModel): BuildContext {
  const u = makeUniverse([dump], host);
  const byLine = new Map<string, Rule>();
  for (const t of dump.tables.values()) {
    for (const c of t.chains.values()) for (const r of c.rules) if (!byLine.has(`${t.name}\u0000${r.span.line}`)) byLine.set(`${t.name}\u0000${r.span.line}`, r);
  }
  const taken = new Set<string>();
  for (const t of dump.tables.values()) for (const c of t.chains.keys()) taken.add(`${t.name}\u0000${c}`);
  let before: OutcomePart[] | undefined;
  let local: PacketSet | undefined;
  let fresh: PacketSet | undefined;
  return {
    dump,
    host,
    u,
    before: () => (before ??= analyze(dump, { host, universe: u, direction: "inbound" })),
    ruleAt: (table, line) => byLine.get(`${table}\u0000${line}`),
    chainName(table, wanted) {
      const base = wanted.slice(0, MAX_CHAIN);
      let name = base;
      for (let i = 2; taken.has(`${table}\u0000${name}`); i++) name = `${base.slice(0, MAX_CHAIN - String(i).length - 1)}-${i}`;
      taken.add(`${table}\u0000${name}`);
      return name;
    },
    local: () => (local ??= u.of({ k: "addrtype", side: "dst", types: ["LOCAL"] })),
    isNew: () => (fresh ??= u.of({ k: "ctstate", states: ["NEW"] })),
    memo: new Map(),
    seesUnnamedIfaces: seesUnnamed(dump, host, u),
  };
}
