// Parses `nft -a monitor trace` output into per-packet rule paths and joins them
// with the probes. nft prints no event when a packet falls off the end of a
// user chain; the path simply continues in the calling chain.
import { chainKey, type KernelRuleset } from "./rulemap.js";

export interface PacketHeader {
  proto?: "tcp" | "udp" | "icmp";
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  flags?: string[];
  icmpType?: string;
  iif?: string;
  oif?: string;
}

export interface TraceEvent {
  id: string;
  family: string;
  table: string;
  chain: string;
  type: "packet" | "rule" | "policy" | "other";
  hdr?: PacketHeader;
  handle?: number;
  verdict?: string;
  text?: string;
}

const LINE = /^trace id ([0-9a-f]+) (\S+) (\S+) (\S+) (.*)$/;

export function parseTraceLine(line: string): TraceEvent | null {
  const m = LINE.exec(line.trim());
  if (!m) return null;
  const [, id, family, table, chain, rest] = m as unknown as [string, string, string, string, string, string];
  const base = { id, family, table, chain };
  if (rest.startsWith("packet: ")) return { ...base, type: "packet", hdr: parseHeader(rest.slice(8)) };
  if (rest.startsWith("rule ") || rest.startsWith("unknown rule handle")) {
    const h = /# handle (\d+)/.exec(rest) ?? /unknown rule handle (\d+)/.exec(rest);
    const v = /\(verdict ([^)]*)\)\s*$/.exec(rest);
    return {
      ...base,
      type: "rule",
      ...(h ? { handle: Number(h[1]) } : {}),
      verdict: v ? v[1]!.trim() : "?",
      text: rest.replace(/\s*# handle \d+.*$/, "").replace(/^rule /, ""),
    };
  }
  // "policy accept meta mark 0x00004000": the packet's mark follows the verdict
  if (rest.startsWith("policy ")) return { ...base, type: "policy", verdict: rest.slice(7).trim().split(/\s+/)[0]! };
  return { ...base, type: "other", text: rest };
}

export function parseHeader(s: string): PacketHeader {
  const h: PacketHeader = {};
  const get = (re: RegExp) => re.exec(s)?.[1];
  const iif = get(/\biif "([^"]+)"/);
  if (iif) h.iif = iif;
  const oif = get(/\boif "([^"]+)"/);
  if (oif) h.oif = oif;
  const src = get(/\bip6? saddr (\S+)/);
  if (src) h.src = src;
  const dst = get(/\bip6? daddr (\S+)/);
  if (dst) h.dst = dst;
  const l4 = /\b(tcp|udp) sport (\d+)/.exec(s);
  if (l4) {
    h.proto = l4[1] as "tcp" | "udp";
    h.sport = Number(l4[2]);
    h.dport = Number(get(/\b(?:tcp|udp) dport (\d+)/));
  }
  const flags = get(/\btcp flags == (0x[0-9a-f]+|\w+(?: \| \w+)*)/);
  if (flags) h.flags = flags.startsWith("0x") ? hexFlags(parseInt(flags, 16)) : flags.split(/\s*\|\s*/).map((f) => f.toUpperCase());
  const icmp = /\bicmp(?:v6)? type (\S+)/.exec(s);
  if (icmp) {
    h.proto = "icmp";
    h.icmpType = icmp[1]!;
    const id = get(/\bicmp(?:v6)? id (\d+)/);
    // nft 1.0.6 prints an ICMPv6 echo's id+sequence as one 32-bit "parameter-problem" value
    const word = get(/\bicmpv6 (?:parameter-problem|mtu|max-delay) (\d+)/);
    if (id) h.sport = Number(id);
    else if (word) h.sport = Number(word) >>> 16;
    h.dport = 0;
  }
  return h;
}

function hexFlags(v: number): string[] {
  const names: [number, string][] = [[1, "FIN"], [2, "SYN"], [4, "RST"], [8, "PSH"], [16, "ACK"], [32, "URG"]];
  return names.filter(([b]) => v & b).map(([, n]) => n);
}

export interface KernelStep {
  family: string;
  table: string;
  chain: string;
  hook: string;
  kind: "rule" | "policy";
  verdict: string;
  handle?: number;
  /** position of the rule in its chain (1-based) */
  index?: number;
  /** which load the rule came from (its label) and the line in it; null when unmapped */
  label: string | null;
  line: number | null;
  /** the rule as written in the loaded file */
  ruleText?: string;
}

export interface KernelPath {
  traceIds: string[];
  steps: KernelStep[];
  /** the packet as each hook saw it, in order (post-DNAT in later hooks) */
  seen: { hook: string; table: string; hdr: PacketHeader }[];
  /** accept | drop: what the last step decided */
  verdict: string | null;
}

/** Our own table that sets nftrace; its events are not part of any path. */
export const LAB_TABLE = "dockwall_lab";

interface Packet {
  ids: string[];
  first: PacketHeader;
  path: KernelPath;
  hook: string;
  lastHdr: PacketHeader | null;
}

const tupleKey = (h: PacketHeader) => `${h.proto}|${h.src}|${h.sport}|${h.dst}|${h.dport}`;
// Continuations are joined on the source side only: DNAT in PREROUTING changes
// the destination before a bridged packet gets its second trace id, and every
// probe of a batch has its own source address and port.
const sourceKey = (h: PacketHeader) => `${h.proto}|${h.src}|${h.sport}`;

/**
 * Groups trace events into packets. One packet can show up under several trace
 * ids: bridged traffic (br_netfilter) gets a new id between PREROUTING and
 * FORWARD, and a packet sent to a local address leaves through lo and comes back
 * with a new id. A new id that our own table did not start, or that arrives on
 * lo, continues the packet last seen with the same source address and port.
 */
export function assemble(events: readonly TraceEvent[], ruleset: KernelRuleset): Packet[] {
  const byId = new Map<string, Packet>();
  const order: Packet[] = [];
  const lastSeen = new Map<string, Packet>();
  for (const ev of events) {
    let p = byId.get(ev.id);
    if (!p) {
      if (ev.type !== "packet") continue; // monitor started mid-packet
      const fresh = ev.table === LAB_TABLE && ev.hdr?.iif !== "lo";
      const cont = fresh ? undefined : lastSeen.get(sourceKey(ev.hdr!));
      if (cont) {
        cont.ids.push(ev.id);
        p = cont;
      } else {
        p = { ids: [ev.id], first: ev.hdr!, path: { traceIds: [], steps: [], seen: [], verdict: null }, hook: "", lastHdr: null };
        order.push(p);
      }
      p.path.traceIds = p.ids;
      byId.set(ev.id, p);
    }
    const key = chainKey(ev.family, ev.table, ev.chain);
    const baseHook = ruleset.hooks.get(key);
    if (baseHook && ev.type === "packet") p.hook = baseHook;
    if (ev.type === "packet") {
      p.lastHdr = ev.hdr!;
      lastSeen.set(sourceKey(ev.hdr!), p);
      if (ev.table !== LAB_TABLE) p.path.seen.push({ hook: baseHook ?? p.hook, table: ev.table, hdr: ev.hdr! });
      continue;
    }
    if (ev.table === LAB_TABLE || ev.type === "other") continue;
    const step: KernelStep = {
      family: ev.family,
      table: ev.table,
      chain: ev.chain,
      hook: baseHook ?? p.hook,
      kind: ev.type,
      verdict: ev.verdict ?? "?",
      label: null,
      line: null,
    };
    if (ev.type === "rule" && ev.handle !== undefined) {
      const info = ruleset.handles.get(`${key}\0${ev.handle}`);
      step.handle = ev.handle;
      if (info) {
        step.index = info.index;
        if (info.origin) {
          step.label = info.origin.label;
          step.line = info.origin.line;
          step.ruleText = info.origin.text;
        }
      }
    }
    if (ev.type === "policy") {
      const pol = ruleset.policies.get(key);
      if (pol) {
        step.label = pol.label;
        step.line = pol.line;
        step.ruleText = pol.text;
      }
    }
    p.path.steps.push(step);
    p.path.verdict = /^(accept|drop)/.test(step.verdict) ? step.verdict.split(" ")[0]! : p.path.verdict;
  }
  return order;
}

/** The trace of the first packet of each probe flow, keyed by its pre-NAT tuple. */
export function firstPackets(packets: readonly Packet[]): Map<string, KernelPath> {
  const out = new Map<string, KernelPath>();
  for (const p of packets) {
    const k = tupleKey(p.first);
    if (!out.has(k)) out.set(k, p.path);
  }
  return out;
}

export { tupleKey };
