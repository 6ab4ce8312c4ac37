// "Which sources get through", in words: the source addresses of a packet set,
// as CIDR blocks. The set's source boundaries can only lie where the dump (or
// the host model) draws one, so those boundaries cut the address space into
// pieces that each behave alike, and each piece is tested against the set.
import type { Dump } from "../syntax/ast.js";
import { ADDR_BITS, formatAddr, maskOfPrefix, parseAddr } from "../syntax/inet.js";
import type { PacketSet } from "../engine/api.js";
import type { EngineView } from "./engine.js";

const MAX_PIECES = 256;
const SPECIAL_V4: readonly [string, number][] = [["0.0.0.0", 8], ["10.0.0.0", 8], ["127.0.0.0", 8], ["172.16.0.0", 12], ["192.168.0.0", 16], ["224.0.0.0", 4], ["240.0.0.0", 4]];
const SPECIAL_V6: readonly [string, number][] = [["::1", 128], ["fe80::", 10], ["fc00::", 7], ["ff00::", 8]];

function range(addr: bigint, prefix: number, bits: number): [bigint, bigint] {
  const mask = maskOfPrefix(prefix, bits === 32 ? "ipv4" : "ipv6");
  const lo = addr & mask;
  return [lo, lo | (~mask & ((1n << BigInt(bits)) - 1n))];
}

function boundaries(dump: Dump, view: EngineView): bigint[] {
  const fam = dump.family;
  const bits = ADDR_BITS[fam];
  const cuts = new Set<bigint>([0n, 1n << BigInt(bits)]);
  const add = (addr: string, prefix: number | null) => {
    const a = parseAddr(addr, fam);
    if (a === undefined || prefix === null) return;
    const [lo, hi] = range(a, prefix, bits);
    cuts.add(lo);
    cuts.add(hi + 1n);
  };
  for (const [a, p] of fam === "ipv4" ? SPECIAL_V4 : SPECIAL_V6) add(a, p);
  for (const b of view.bridges) for (const a of b.addrs) add(a.addr, a.prefix);
  for (const t of dump.tables.values()) {
    for (const c of t.chains.values()) {
      for (const r of c.rules) {
        if (r.src) add(r.src.addr, r.src.prefix);
        // past the cap the caller gives an example instead: stop collecting (kube-proxy has thousands)
        if (cuts.size > MAX_PIECES + 1) return [...cuts];
      }
    }
  }
  return [...cuts].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/** Splits [lo, hi] into CIDR blocks. */
function cidrs(lo: bigint, hi: bigint, bits: number, fam: "ipv4" | "ipv6"): string[] {
  const out: string[] = [];
  while (lo <= hi) {
    let size = 0;
    while (size < bits && (lo & ((1n << BigInt(size + 1)) - 1n)) === 0n && lo + (1n << BigInt(size + 1)) - 1n <= hi) size++;
    out.push(`${formatAddr(lo, fam)}/${bits - size}`);
    lo += 1n << BigInt(size);
  }
  return out;
}

/** "every source", "203.0.113.0/24", "every source except 192.0.2.0/24", ... */
export function describeSources(view: EngineView, set: PacketSet): string {
  const dump = view.dump;
  const fam = dump.family;
  const bits = ADDR_BITS[fam];
  const cuts = boundaries(dump, view);
  if (cuts.length - 1 > MAX_PIECES) return view.u.describe(set);
  const pieces: { lo: bigint; hi: bigint; in: boolean }[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = cuts[i]!;
    const hi = cuts[i + 1]! - 1n;
    const hit = !set.intersect(view.u.of({ k: "addr", field: "src", ranges: [[lo, hi]] })).isEmpty();
    const last = pieces.at(-1);
    if (last && last.in === hit) last.hi = hi;
    else pieces.push({ lo, hi, in: hit });
  }
  const inside = pieces.filter((p) => p.in);
  const outside = pieces.filter((p) => !p.in);
  if (inside.length === 0) return "no source";
  if (outside.length === 0) return "every source address";
  const list = (ps: typeof pieces) => ps.flatMap((p) => cidrs(p.lo, p.hi, bits, fam));
  const inList = list(inside);
  const outList = list(outside);
  const shown = (l: string[]) => (l.length > 6 ? `${l.slice(0, 6).join(", ")} and ${l.length - 6} more blocks` : l.join(", "));
  return inList.length <= outList.length ? `sources ${shown(inList)}` : `every source except ${shown(outList)}`;
}
