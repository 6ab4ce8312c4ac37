// The set algebra against brute-force enumeration on small domains: every
// operation, membership, counting, witnesses and canonical form.
import { describe, expect, it } from "vitest";
import { rng } from "./rng.js";
import { Dd, EMPTY, FULL, PacketSet } from "../../src/engine/sets.js";
import { SymUniverse } from "../../src/engine/universe.js";
import { inferHost } from "../../src/engine/host.js";
import { parse } from "../../src/extensions/index.js";
import { parseAddr } from "../../src/syntax/inet.js";

const LEVELS = [
  { name: "a", max: 3 },
  { name: "b", max: 5 },
  { name: "c", max: 2 },
];


const ALL: number[][] = [];
for (let a = 0; a <= 3; a++) for (let b = 0; b <= 5; b++) for (let c = 0; c <= 2; c++) ALL.push([a, b, c]);
const key = (v: number[]) => v.join(",");

/** A random set built from boxes, with its brute-force member list. */
function randomSet(dd: Dd, r: () => number): { node: number; members: Set<string> } {
  let node = EMPTY;
  const members = new Set<string>();
  const boxes = 1 + Math.floor(r() * 4);
  for (let i = 0; i < boxes; i++) {
    const rs = LEVELS.map((l) => {
      const lo = Math.floor(r() * (l.max + 1));
      const hi = lo + Math.floor(r() * (l.max + 1 - lo));
      return [lo, hi] as const;
    });
    let box = FULL;
    for (let l = LEVELS.length - 1; l >= 0; l--) box = dd.and(box, dd.range(l, [rs[l]!]));
    node = dd.or(node, box);
    for (const v of ALL) if (v.every((x, l) => x >= rs[l]![0] && x <= rs[l]![1])) members.add(key(v));
  }
  return { node, members };
}

function enumerate(dd: Dd, n: number): Set<string> {
  return new Set(ALL.filter((v) => dd.contains(n, v)).map(key));
}

describe("interval decision diagrams", () => {
  it("union, intersection, difference and complement equal brute force (500 random pairs)", () => {
    const dd = new Dd(LEVELS);
    const r = rng(7);
    for (let i = 0; i < 500; i++) {
      const x = randomSet(dd, r);
      const y = randomSet(dd, r);
      expect(enumerate(dd, x.node)).toEqual(x.members);
      const union = new Set([...x.members, ...y.members]);
      const inter = new Set([...x.members].filter((m) => y.members.has(m)));
      const diff = new Set([...x.members].filter((m) => !y.members.has(m)));
      const comp = new Set(ALL.map(key).filter((m) => !x.members.has(m)));
      expect(enumerate(dd, dd.or(x.node, y.node))).toEqual(union);
      expect(enumerate(dd, dd.and(x.node, y.node))).toEqual(inter);
      expect(enumerate(dd, dd.diff(x.node, y.node))).toEqual(diff);
      expect(enumerate(dd, dd.not(x.node))).toEqual(comp);
      expect(dd.count(dd.or(x.node, y.node))).toBe(BigInt(union.size));
      expect(dd.count(dd.diff(x.node, y.node))).toBe(BigInt(diff.size));
      // canonical: the same set is the same node, whichever way it was built
      expect(dd.or(x.node, y.node)).toBe(dd.or(dd.diff(x.node, y.node), y.node));
      expect(dd.and(x.node, y.node) === EMPTY).toBe(inter.size === 0);
      const w = dd.witness(dd.and(x.node, y.node), () => 1);
      if (inter.size === 0) expect(w).toBeUndefined();
      else expect(inter.has(key(w!))).toBe(true);
    }
  });

  it("meets answers whether the intersection is empty, without building it (500 random pairs, fresh and cached)", () => {
    const dd = new Dd(LEVELS);
    const r = rng(17);
    for (let i = 0; i < 500; i++) {
      const x = randomSet(dd, r);
      const y = randomSet(dd, r);
      const meet = [...x.members].some((m) => y.members.has(m));
      const made = dd.size;
      expect(dd.meets(x.node, y.node), `pair ${i}`).toBe(meet);
      expect(dd.size, "meets makes no node").toBe(made);
      expect(dd.meets(y.node, x.node)).toBe(meet);
      expect(dd.and(x.node, y.node) !== EMPTY).toBe(meet);
      expect(dd.meets(x.node, y.node), `pair ${i} after and()`).toBe(meet);
    }
  });

  it("a set widened to the classes some sets distinguish meets exactly those of them it met (300 random rounds)", () => {
    const dd = new Dd(LEVELS);
    const r = rng(31);
    for (let round = 0; round < 300; round++) {
      const cs = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomSet(dd, r).node);
      const classes = dd.classes(cs);
      const x = randomSet(dd, r);
      const p = dd.project(x.node, classes);
      // wider, never narrower
      expect(dd.diff(x.node, p)).toBe(EMPTY);
      for (const c of cs) expect(dd.meets(p, c), `round ${round}`).toBe(dd.and(x.node, c) !== EMPTY);
      // whole classes: a member's class-mates are members
      const members = enumerate(dd, p);
      const classOf = (v: number[]) => v.map((x, l) => classes[l]!.filter((s) => s <= x).length).join(",");
      const memberClasses = new Set([...members].map((k) => classOf(k.split(",").map(Number))));
      for (const v of ALL) expect(members.has(key(v))).toBe(memberClasses.has(classOf(v)));
    }
  });

  it("deferred intersections: the same members, emptiness, and further intersect/subtract/union as built sets", () => {
    const dd = new Dd(LEVELS);
    const r = rng(23);
    const ps = (n: number) => new PacketSet(dd, n);
    for (let i = 0; i < 300; i++) {
      const x = randomSet(dd, r);
      const y = randomSet(dd, r);
      const z = randomSet(dd, r);
      const inter = [...x.members].filter((m) => y.members.has(m));
      const m = PacketSet.meet(dd, x.node, y.node);
      expect(m.isEmpty()).toBe(inter.length === 0);
      // intersect and subtract stay deferred (a ∩ (b op z)) and say whether they are empty before anything is built
      const mz = PacketSet.meet(dd, x.node, y.node).intersect(ps(z.node));
      expect(mz.isEmpty()).toBe(!inter.some((k) => z.members.has(k)));
      const md = PacketSet.meet(dd, x.node, y.node).subtract(ps(z.node));
      expect(md.isEmpty()).toBe(!inter.some((k) => !z.members.has(k)));
      expect(enumerate(dd, mz.node)).toEqual(new Set(inter.filter((k) => z.members.has(k))));
      expect(enumerate(dd, md.node)).toEqual(new Set(inter.filter((k) => !z.members.has(k))));
      expect(enumerate(dd, m.node)).toEqual(new Set(inter));
      expect(m.equals(ps(dd.and(x.node, y.node)))).toBe(true);
    }
  });

  it("unionOf joins deferred and built sets into the union of their members", () => {
    const dd = new Dd(LEVELS);
    const r = rng(29);
    for (let round = 0; round < 40; round++) {
      const shared = randomSet(dd, r);
      const sets: PacketSet[] = [];
      const members = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const x = randomSet(dd, r);
        // most share their second operand (the case unionOf groups), some do not, some are built
        const b = i % 4 === 3 ? randomSet(dd, r) : shared;
        const s = i % 5 === 4 ? new PacketSet(dd, dd.and(x.node, b.node)) : PacketSet.meet(dd, x.node, b.node);
        sets.push(s);
        for (const k of x.members) if (b.members.has(k)) members.add(k);
      }
      expect(enumerate(dd, PacketSet.unionOf(dd, sets).node)).toEqual(members);
    }
  });

  it("orAll of many sets equals folding or", () => {
    const dd = new Dd(LEVELS);
    const r = rng(11);
    const sets = Array.from({ length: 40 }, () => randomSet(dd, r).node);
    expect(dd.orAll(sets)).toBe(sets.reduce((a, b) => dd.or(a, b), EMPTY));
  });

  it("witness prefers the requested value when allowed", () => {
    const dd = new Dd(LEVELS);
    const s = dd.and(dd.range(0, [[1, 2]]), dd.range(1, [[0, 0], [4, 5]]));
    expect(dd.witness(s, (l) => [2, 3, 1][l]!)).toEqual([2, 4, 1]);
  });
});

describe("address sets over 32-bit chunks", () => {
  const v6 = parse("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s fd00::/8 -j ACCEPT\nCOMMIT\n", { family: "ipv6" });
  const u = new SymUniverse("ipv6", inferHost(v6), [v6]);
  const r = rng(3);
  const rand128 = () => {
    let v = 0n;
    for (let i = 0; i < 4; i++) v = (v << 32n) | BigInt(Math.floor(r() * 4) === 0 ? 0xffffffff : Math.floor(r() * 4) === 0 ? 0 : Math.floor(r() * 2 ** 32));
    return v;
  };
  const values = (a: bigint) => {
    const v = new Array(u.dd.levels.length).fill(0);
    for (let i = 0; i < 4; i++) v[u.L.dst + i] = Number((a >> BigInt(32 * (3 - i))) & 0xffffffffn);
    return v;
  };
  it("an IPv6 range holds exactly the addresses between its ends (random ranges, boundary probes)", () => {
    for (let i = 0; i < 300; i++) {
      let lo = rand128();
      let hi = rand128();
      if (hi < lo) [lo, hi] = [hi, lo];
      const n = u.addrSet(u.L.dst, [[lo, hi]]);
      const top = (1n << 128n) - 1n;
      for (const a of [lo, hi, lo - 1n, hi + 1n, (lo + hi) / 2n, rand128()]) {
        if (a < 0n || a > top) continue;
        expect(u.dd.contains(n, values(a)), `${lo}..${hi} contains ${a}`).toBe(a >= lo && a <= hi);
      }
    }
  });
  it("a prefix is the CIDR block", () => {
    const base = parseAddr("2001:db8:1:2::", "ipv6")!;
    const n = u.addrSet(u.L.dst, [[base, base + (1n << 64n) - 1n]]);
    expect(u.dd.contains(n, values(parseAddr("2001:db8:1:2:ffff::1", "ipv6")!))).toBe(true);
    expect(u.dd.contains(n, values(parseAddr("2001:db8:1:3::", "ipv6")!))).toBe(false);
  });
});

describe("interface atoms", () => {
  const d = parse("*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -i docker0 -o br+ -j ACCEPT\nCOMMIT\n");
  const u = new SymUniverse("ipv4", inferHost(d, { ifaces: ["eth1=203.0.113.5/24"], defaultIface: "eth1" }), [d]);
  it("an interface no rule and no option names has an atom of its own, not 'no device'", () => {
    const p = { src: "203.0.113.7", dst: "203.0.113.5", dport: 443, in: "eth0" };
    expect(u.contains(u.inbound(), p)).toBe(true);
    expect(u.atoms.atomOf("eth0")).not.toBe(0);
    expect(u.atoms.atomOf("eth0")).toBe(u.atoms.atomOf("wlan7"));
    expect(u.atoms.atomOf("eth0")).not.toBe(u.atoms.atomOf("eth1"));
    expect(u.atoms.atomOf("br-9")).not.toBe(u.atoms.atomOf("eth0"));
    expect(u.atoms.atomOf(null)).toBe(0);
  });
});
