// Exact packet sets as reduced, hash-consed interval decision diagrams (IDDs).
//
// A node tests one level (a packet field, or a 32-bit chunk of an address)
// and maps sorted disjoint intervals covering the level's whole domain to
// children; 0 is the empty set, 1 the full set. Nodes are unique (hash-consed)
// and reduced (no node whose children are all equal, no two adjacent intervals
// with the same child), so equal sets are the same number and set operations
// are memoised merges of interval lists.

export interface Level {
  name: string;
  /** Largest value; the domain is 0..max. */
  max: number;
}

export const EMPTY = 0;
export const FULL = 1;

const AND = 0;
const OR = 1;
const DIFF = 2;

export class Dd {
  private readonly lv: number[] = [];
  private readonly bnd: number[][] = [];
  private readonly kid: number[][] = [];
  private readonly unique = new Map<string, number>();
  private readonly memo = [new Map<number, number>(), new Map<number, number>(), new Map<number, number>()];

  constructor(readonly levels: readonly Level[]) {
    const term = levels.length;
    this.lv.push(term, term);
    this.bnd.push([], []);
    this.kid.push([], []);
  }

  get size(): number {
    return this.lv.length;
  }

  level(n: number): number {
    return this.lv[n]!;
  }

  /** The node's intervals: starts[i]..(starts[i+1]-1) maps to kids[i]. */
  node(n: number): { level: number; starts: readonly number[]; kids: readonly number[] } {
    return { level: this.lv[n]!, starts: this.bnd[n]!, kids: this.kid[n]! };
  }

  /** Makes (or finds) the node; merges equal neighbours and skips a node with one child. */
  mk(level: number, starts: number[], kids: number[]): number {
    const s: number[] = [];
    const k: number[] = [];
    for (let i = 0; i < starts.length; i++) {
      if (k.length && k[k.length - 1] === kids[i]) continue;
      s.push(starts[i]!);
      k.push(kids[i]!);
    }
    if (k.length === 1) return k[0]!;
    const key = `${level}:${s.join(",")}/${k.join(",")}`;
    const hit = this.unique.get(key);
    if (hit !== undefined) return hit;
    const id = this.lv.length;
    this.lv.push(level);
    this.bnd.push(s);
    this.kid.push(k);
    this.unique.set(key, id);
    return id;
  }

  /** Values lo..hi (inclusive, unions allowed) at one level, anything elsewhere. */
  range(level: number, ranges: readonly (readonly [number, number])[], inside = FULL): number {
    const max = this.levels[level]!.max;
    const rs = [...ranges].filter(([a, b]) => a <= b && a <= max).sort((x, y) => x[0] - y[0]);
    const starts: number[] = [];
    const kids: number[] = [];
    let pos = 0;
    for (const [a, b0] of rs) {
      const b = Math.min(b0, max);
      if (b < pos) continue;
      const lo = Math.max(a, pos);
      if (lo > pos) {
        starts.push(pos);
        kids.push(EMPTY);
      }
      starts.push(lo);
      kids.push(inside);
      pos = b + 1;
    }
    if (pos <= max) {
      starts.push(pos);
      kids.push(EMPTY);
    }
    return this.mk(level, starts, kids);
  }

  and(a: number, b: number): number {
    return this.apply(AND, a, b);
  }
  or(a: number, b: number): number {
    return this.apply(OR, a, b);
  }
  diff(a: number, b: number): number {
    return this.apply(DIFF, a, b);
  }
  not(a: number): number {
    return this.apply(DIFF, FULL, a);
  }

  /** Union of many sets, pairwise so that wide nodes are merged O(log n) times, not n. */
  orAll(list: readonly number[]): number {
    let cur = list.filter((x) => x !== EMPTY);
    if (cur.length === 0) return EMPTY;
    while (cur.length > 1) {
      const next: number[] = [];
      for (let i = 0; i < cur.length; i += 2) next.push(i + 1 < cur.length ? this.or(cur[i]!, cur[i + 1]!) : cur[i]!);
      cur = next;
    }
    return cur[0]!;
  }

  andAll(list: readonly number[]): number {
    let r = FULL;
    for (const x of list) {
      r = this.and(r, x);
      if (r === EMPTY) break;
    }
    return r;
  }

  private apply(op: number, a: number, b: number): number {
    // terminal cases
    if (op === AND) {
      if (a === EMPTY || b === EMPTY) return EMPTY;
      if (a === FULL) return b;
      if (b === FULL || a === b) return a;
    } else if (op === OR) {
      if (a === FULL || b === FULL) return FULL;
      if (a === EMPTY) return b;
      if (b === EMPTY || a === b) return a;
    } else {
      if (a === EMPTY || b === FULL || a === b) return EMPTY;
      if (b === EMPTY) return a;
    }
    if (op !== DIFF && a > b) {
      const t = a;
      a = b;
      b = t;
    }
    const memo = this.memo[op]!;
    const key = a * 0x4000000 + b;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const la = this.lv[a]!;
    const lb = this.lv[b]!;
    const level = Math.min(la, lb);
    const sa = la === level ? this.bnd[a]! : ZERO;
    const ka = la === level ? this.kid[a]! : [a];
    const sb = lb === level ? this.bnd[b]! : ZERO;
    const kb = lb === level ? this.kid[b]! : [b];
    const max = this.levels[level]!.max;
    const starts: number[] = [];
    const kids: number[] = [];
    let i = 0;
    let j = 0;
    let pos = 0;
    while (pos <= max) {
      const endA = i + 1 < sa.length ? sa[i + 1]! : max + 1;
      const endB = j + 1 < sb.length ? sb[j + 1]! : max + 1;
      const ca = ka[i]!;
      const cb = kb[j]!;
      let end: number;
      let child: number;
      if (op !== OR && ca === EMPTY) {
        // nothing of a here: jump over b's intervals
        end = endA;
        child = EMPTY;
      } else if (op === AND && cb === EMPTY) {
        end = endB;
        child = EMPTY;
      } else {
        end = Math.min(endA, endB);
        child = this.apply(op, ca, cb);
      }
      if (kids.length === 0 || kids[kids.length - 1] !== child) {
        starts.push(pos);
        kids.push(child);
      }
      pos = end;
      if (pos > max) break;
      if (endA <= pos) i = endA === pos ? i + 1 : seek(sa, pos);
      if (endB <= pos) j = endB === pos ? j + 1 : seek(sb, pos);
    }
    const r = this.mk(level, starts, kids);
    if (memo.size > 4_000_000) memo.clear();
    memo.set(key, r);
    return r;
  }

  /** Whether the value vector (one value per level) is in the set. */
  contains(n: number, values: readonly number[]): boolean {
    while (n > FULL) {
      const s = this.bnd[n]!;
      n = this.kid[n]![seek(s, values[this.lv[n]!]!)]!;
    }
    return n === FULL;
  }

  /**
   * A member, as one value per level: at each level the preferred value when
   * the set allows it, else the lowest allowed value.
   */
  witness(n: number, prefer: (level: number) => number): number[] | undefined {
    if (n === EMPTY) return undefined;
    const out: number[] = [];
    for (let level = 0; level < this.levels.length; level++) {
      const want = prefer(level);
      if (this.lv[n] !== level) {
        out.push(want);
        continue;
      }
      const s = this.bnd[n]!;
      const k = this.kid[n]!;
      const at = seek(s, want);
      if (k[at] !== EMPTY) {
        out.push(want);
        n = k[at]!;
        continue;
      }
      // nearest allowed interval to the preferred value
      let best = -1;
      let bestDist = Infinity;
      for (let i = 0; i < k.length; i++) {
        if (k[i] === EMPTY) continue;
        const lo = s[i]!;
        const hi = i + 1 < s.length ? s[i + 1]! - 1 : this.levels[level]!.max;
        const v = want < lo ? lo : want > hi ? hi : want;
        const d = Math.abs(v - want);
        if (d < bestDist) {
          bestDist = d;
          best = i;
          if (d === 0) break;
        }
      }
      const lo = s[best]!;
      const hi = best + 1 < s.length ? s[best + 1]! - 1 : this.levels[level]!.max;
      out.push(want < lo ? lo : want > hi ? hi : want);
      n = k[best]!;
    }
    return out;
  }

  /** Number of members (exact, for tests and statistics). */
  count(n: number): bigint {
    const memo = new Map<number, bigint>();
    const dom = this.levels.map((l) => BigInt(l.max) + 1n);
    const span = (from: number, to: number) => {
      let p = 1n;
      for (let i = from; i < to; i++) p *= dom[i]!;
      return p;
    };
    const rec = (x: number): bigint => {
      // members over levels lv[x]..end
      if (x === EMPTY) return 0n;
      if (x === FULL) return 1n;
      const m = memo.get(x);
      if (m !== undefined) return m;
      const l = this.lv[x]!;
      const s = this.bnd[x]!;
      const k = this.kid[x]!;
      let total = 0n;
      for (let i = 0; i < k.length; i++) {
        const hi = i + 1 < s.length ? s[i + 1]! : this.levels[l]!.max + 1;
        const c = k[i]!;
        if (c === EMPTY) continue;
        total += BigInt(hi - s[i]!) * rec(c) * span(l + 1, this.lv[c]!);
      }
      memo.set(x, total);
      return total;
    };
    return rec(n) * span(0, this.lv[n]!);
  }
}

const ZERO: readonly number[] = [0];

/** Index of the interval holding v (starts sorted, starts[0] = 0). */
function seek(starts: readonly number[], v: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** An exact set of packets of one Universe. Compare with `equals`; combine through the methods. */
export class PacketSet {
  constructor(
    readonly dd: Dd,
    readonly node: number,
  ) {}
  private wrap(n: number): PacketSet {
    return n === this.node ? this : new PacketSet(this.dd, n);
  }
  private check(o: PacketSet): number {
    if (o.dd !== this.dd) throw new Error("packet sets from different universes cannot be combined");
    return o.node;
  }
  union(o: PacketSet): PacketSet {
    return this.wrap(this.dd.or(this.node, this.check(o)));
  }
  intersect(o: PacketSet): PacketSet {
    return this.wrap(this.dd.and(this.node, this.check(o)));
  }
  subtract(o: PacketSet): PacketSet {
    return this.wrap(this.dd.diff(this.node, this.check(o)));
  }
  isEmpty(): boolean {
    return this.node === EMPTY;
  }
  equals(o: PacketSet): boolean {
    return this.check(o) === this.node;
  }
  /** Number of (field-vector) members; exact. */
  count(): bigint {
    return this.dd.count(this.node);
  }
}
