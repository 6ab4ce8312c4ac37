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

const MEET_BITS = 18;

const AND = 0;
const OR = 1;
const DIFF = 2;

export class Dd {
  // Memory layout for cache locality (lookups are memory-bound): per node 4
  // ints [level, count, offset, hash]; the intervals of all nodes in one pool
  // as [start, kid] pairs (start stored as int32 bits, read back with >>> 0);
  // the unique table as [id, hash] pairs with open addressing; the operation
  // cache as [a*3+op+1, b, result] triples (0: empty), direct mapped: it may forget
  // (results are canonical, so a miss only costs recomputation).
  private meta = new Int32Array(4 << 16);
  private pool = new Int32Array(1 << 19);
  private n = 2;
  private used = 0;
  private table = new Int32Array(2 << 17);
  private tableCount = 0;
  // grows with the node count: a small cache stays in the CPU's caches
  private cacheBits = 14;
  private cache = new Int32Array(3 << this.cacheBits);
  // meets() answers, direct mapped like the operation cache: [a, b, 1 + answer];
  // made on first use (only big partitions ask), large enough for 10^6 parts
  private meetCache?: Int32Array;
  // scratch stack of [start, kid] pairs where apply() builds a node before mk
  private stack = new Int32Array(1 << 13);
  private sp = 0;
  private readonly maxOf: number[];
  /** Operation counts, for benchmarks: apply() calls past the cache, and node lookups. */
  readonly stats = { applied: 0, made: 0 };

  constructor(readonly levels: readonly Level[]) {
    const term = levels.length;
    this.meta[0] = term;
    this.meta[4] = term;
    this.maxOf = levels.map((l) => l.max);
  }

  get size(): number {
    return this.n;
  }

  level(n: number): number {
    return this.meta[n << 2]!;
  }

  /** The node's intervals: starts[i]..(starts[i+1]-1) maps to kids[i]. */
  node(n: number): { level: number; starts: readonly number[]; kids: readonly number[] } {
    const c = n > FULL ? this.meta[(n << 2) + 1]! : 0;
    const o = this.meta[(n << 2) + 2]!;
    const starts: number[] = [];
    const kids: number[] = [];
    for (let i = 0; i < c; i++) {
      starts.push(this.pool[o + 2 * i]! >>> 0);
      kids.push(this.pool[o + 2 * i + 1]!);
    }
    return { level: this.meta[n << 2]!, starts, kids };
  }

  /** Makes (or finds) the node; merges equal neighbours and skips a node with one child. */
  mk(level: number, starts: number[], kids: number[]): number {
    const base = this.sp;
    for (let i = 0; i < starts.length; i++) {
      if (this.sp > base && this.stack[this.sp - 1] === kids[i]) continue;
      this.push(starts[i]!, kids[i]!);
    }
    return this.mkTop(level, base);
  }

  private push(s: number, k: number): void {
    if (this.sp + 2 > this.stack.length) {
      const t = new Int32Array(this.stack.length * 2);
      t.set(this.stack);
      this.stack = t;
    }
    this.stack[this.sp] = s | 0;
    this.stack[this.sp + 1] = k;
    this.sp += 2;
  }

  /** The node for the scratch pairs base..sp (already merged), popping them. */
  private mkTop(level: number, base: number): number {
    const len = this.sp - base;
    const st = this.stack;
    if (len === 2) {
      this.sp = base;
      return st[base + 1]!;
    }
    this.stats.made++;
    let h = Math.imul(level + 1, 0x9e3779b1);
    for (let i = base; i < this.sp; i++) h = Math.imul(h ^ st[i]!, 0x85ebca6b) ^ (h >>> 13);
    // murmur3's finaliser: linear probing needs well-mixed low bits
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const tab = this.table;
    const mask = (tab.length >> 1) - 1;
    let slot = h & mask;
    const meta = this.meta;
    const pool = this.pool;
    for (;;) {
      // node ids start at 2: 0 is an empty slot
      const id = tab[slot << 1]!;
      if (id === 0) break;
      if (tab[(slot << 1) + 1] === h && meta[id << 2] === level && meta[(id << 2) + 1] === len >> 1) {
        const o = meta[(id << 2) + 2]!;
        let i = 0;
        while (i < len && pool[o + i] === st[base + i]) i++;
        if (i === len) {
          this.sp = base;
          return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    const id = this.n++;
    if ((id << 2) + 4 > this.meta.length) {
      const m = new Int32Array(this.meta.length * 2);
      m.set(this.meta);
      this.meta = m;
    }
    if (this.used + len > this.pool.length) {
      let size = this.pool.length * 2;
      while (size < this.used + len) size *= 2;
      const p = new Int32Array(size);
      p.set(this.pool.subarray(0, this.used));
      this.pool = p;
    }
    if (id >> 1 > 1 << this.cacheBits && this.cacheBits < 21) {
      this.cacheBits++;
      this.cache = new Int32Array(3 << this.cacheBits);
    }
    const m4 = id << 2;
    this.meta[m4] = level;
    this.meta[m4 + 1] = len >> 1;
    this.meta[m4 + 2] = this.used;
    this.meta[m4 + 3] = h;
    // copied by hand: a subarray view per node was 47 MB of garbage on a 10^5-rule dump
    const dest = this.pool;
    for (let i = 0; i < len; i++) dest[this.used + i] = st[base + i]!;
    this.used += len;
    this.sp = base;
    tab[slot << 1] = id;
    tab[(slot << 1) + 1] = h;
    if (++this.tableCount * 4 > tab.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const t = new Int32Array(this.table.length * 2);
    const mask = (t.length >> 1) - 1;
    for (let id = 2; id < this.n; id++) {
      const h = this.meta[(id << 2) + 3]!;
      let slot = h & mask;
      while (t[slot << 1] !== 0) slot = (slot + 1) & mask;
      t[slot << 1] = id;
      t[(slot << 1) + 1] = h;
    }
    this.table = t;
  }

  /** Values lo..hi (inclusive, unions allowed) at one level, anything elsewhere. */
  range(level: number, ranges: readonly (readonly [number, number])[], inside = FULL): number {
    const max = this.maxOf[level]!;
    if (ranges.length === 1) {
      // the common case (one address, port or prefix), built on the scratch stack
      const [a, b0] = ranges[0]!;
      if (a > b0 || a > max || inside === EMPTY) return EMPTY;
      const b = Math.min(b0, max);
      const base = this.sp;
      if (a > 0) this.push(0, EMPTY);
      this.push(a, inside);
      if (b < max) this.push(b + 1, EMPTY);
      return this.mkTop(level, base);
    }
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
    const ka = a * 3 + op + 1;
    const slot = ((Math.imul(ka, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) >>> (32 - this.cacheBits)) * 3;
    const cache = this.cache;
    if (cache[slot] === ka && cache[slot + 1] === b) return cache[slot + 2]!;
    this.stats.applied++;
    const la = this.meta[a << 2]!;
    const lb = this.meta[b << 2]!;
    const level = la < lb ? la : lb;
    // a node below the level stands for one interval covering the whole domain
    const na = la === level ? this.meta[(a << 2) + 1]! : 1;
    const oa = this.meta[(a << 2) + 2]!;
    const nb = lb === level ? this.meta[(b << 2) + 1]! : 1;
    const ob = this.meta[(b << 2) + 2]!;
    const max = this.maxOf[level]!;
    const base = this.sp;
    let i = 0;
    let j = 0;
    let pos = 0;
    for (;;) {
      // the pool may be reallocated by the recursive calls: read it afresh
      const pool = this.pool;
      const endA = i + 1 < na ? pool[oa + 2 * i + 2]! >>> 0 : max + 1;
      const endB = j + 1 < nb ? pool[ob + 2 * j + 2]! >>> 0 : max + 1;
      const ca = la === level ? pool[oa + 2 * i + 1]! : a;
      const cb = lb === level ? pool[ob + 2 * j + 1]! : b;
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
        end = endA < endB ? endA : endB;
        child = this.apply(op, ca, cb);
      }
      if (this.sp === base || this.stack[this.sp - 1] !== child) this.push(pos, child);
      pos = end;
      if (pos > max) break;
      if (endA <= pos) i = endA === pos ? i + 1 : this.seekIn(oa, na, pos);
      if (endB <= pos) j = endB === pos ? j + 1 : this.seekIn(ob, nb, pos);
    }
    const r = this.mkTop(level, base);
    cache[slot] = ka;
    cache[slot + 1] = b;
    cache[slot + 2] = r;
    return r;
  }

  /**
   * Whether a and b share a member: and(a, b) !== EMPTY without building the
   * intersection (no node is made, and it stops at the first common member).
   */
  meets(a: number, b: number): boolean {
    if (a === EMPTY || b === EMPTY) return false;
    if (a === FULL || b === FULL || a === b) return true;
    if (a > b) {
      const t = a;
      a = b;
      b = t;
    }
    const mc = (this.meetCache ??= new Int32Array(3 << MEET_BITS));
    const slot = ((Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) >>> (32 - MEET_BITS)) * 3;
    if (mc[slot] === a && mc[slot + 1] === b) return mc[slot + 2] === 2;
    // an and() already made answers it
    const ka = a * 3 + AND + 1;
    const cs = ((Math.imul(ka, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) >>> (32 - this.cacheBits)) * 3;
    if (this.cache[cs] === ka && this.cache[cs + 1] === b) return this.cache[cs + 2] !== EMPTY;
    const meta = this.meta;
    const pool = this.pool;
    const la = meta[a << 2]!;
    const lb = meta[b << 2]!;
    let r = false;
    if (la !== lb) {
      // the node below the level stands for its whole domain: meets where the upper node's kids do
      const [up, low] = la < lb ? [a, b] : [b, a];
      const n = meta[(up << 2) + 1]!;
      const o = meta[(up << 2) + 2]!;
      for (let i = 0; i < n && !r; i++) r = this.meets(pool[o + 2 * i + 1]!, low);
    } else {
      const na = meta[(a << 2) + 1]!;
      const oa = meta[(a << 2) + 2]!;
      const nb = meta[(b << 2) + 1]!;
      const ob = meta[(b << 2) + 2]!;
      const max = this.maxOf[la]!;
      let i = 0;
      let j = 0;
      for (;;) {
        const endA = i + 1 < na ? pool[oa + 2 * i + 2]! >>> 0 : max + 1;
        const endB = j + 1 < nb ? pool[ob + 2 * j + 2]! >>> 0 : max + 1;
        const ca = pool[oa + 2 * i + 1]!;
        const cb = pool[ob + 2 * j + 1]!;
        if (ca !== EMPTY && cb !== EMPTY && this.meets(ca, cb)) {
          r = true;
          break;
        }
        const end = endA < endB ? endA : endB;
        if (end > max) break;
        if (endA === end) i++;
        if (endB === end) j++;
      }
    }
    mc[slot] = a;
    mc[slot + 1] = b;
    mc[slot + 2] = r ? 2 : 1;
    return r;
  }

  /**
   * Per level, the starts of the intervals any of the sets distinguishes
   * there (always 0): values of one class are alike for every one of them.
   */
  classes(sets: readonly number[]): number[][] {
    const starts = this.levels.map(() => new Set<number>([0]));
    const seen = new Set<number>();
    const stack = [...sets];
    while (stack.length) {
      const x = stack.pop()!;
      if (x <= FULL || seen.has(x)) continue;
      seen.add(x);
      const l = this.meta[x << 2]!;
      const c = this.meta[(x << 2) + 1]!;
      const o = this.meta[(x << 2) + 2]!;
      for (let i = 0; i < c; i++) {
        starts[l]!.add(this.pool[o + 2 * i]! >>> 0);
        stack.push(this.pool[o + 2 * i + 1]!);
      }
    }
    return starts.map((s) => [...s].sort((a, b) => a - b));
  }

  private readonly projections = new WeakMap<readonly number[][], Map<number, number>>();

  /**
   * The set widened to whole classes (`classes(cs)`), level by level: a value
   * is in where some value of its class is. For each c of cs,
   * meets(n, c) = meets(project(n), c), and many different sets project to
   * one, so their answers are shared.
   */
  project(n: number, classes: readonly number[][]): number {
    let memo = this.projections.get(classes);
    if (!memo) this.projections.set(classes, (memo = new Map()));
    const m = memo;
    const rec = (x: number): number => {
      if (x <= FULL) return x;
      const hit = m.get(x);
      if (hit !== undefined) return hit;
      // read in place (no node() copies: ~10^5 flows project ~10 nodes each);
      // the pool may move while the kids are projected, offsets do not
      const level = this.meta[x << 2]!;
      const n = this.meta[(x << 2) + 1]!;
      const o = this.meta[(x << 2) + 2]!;
      const kids = new Array<number>(n);
      for (let j = 0; j < n; j++) kids[j] = rec(this.pool[o + 2 * j + 1]!);
      const st = (j: number) => this.pool[o + 2 * j]! >>> 0;
      const cl = classes[level]!;
      const max = this.maxOf[level]!;
      const base = this.sp;
      const put = (at: number, kid: number) => {
        if (this.sp === base || this.stack[this.sp - 1] !== kid) this.push(at, kid);
      };
      // class k spans cl[k]..cl[k+1]-1 and gets the union of the kids of the
      // intervals it overlaps; a run of classes inside one interval gets its kid
      // at once (a level can have thousands of classes and a node few intervals)
      let i = 0;
      let k = 0;
      while (k < cl.length) {
        const lo = cl[k]!;
        while (i + 1 < n && st(i + 1) <= lo) i++;
        const end = i + 1 < n ? st(i + 1) - 1 : max;
        const hi = k + 1 < cl.length ? cl[k + 1]! - 1 : max;
        if (hi <= end) {
          put(lo, kids[i]!);
          // the class holding `end`: past it if it ends there too
          const k2 = upperBound(cl, end) - 1;
          const hi2 = k2 + 1 < cl.length ? cl[k2 + 1]! - 1 : max;
          k = hi2 <= end ? k2 + 1 : k2;
        } else {
          let u = kids[i]!;
          for (let j = i + 1; j < n && st(j) <= hi; j++) u = this.or(u, kids[j]!);
          put(lo, u);
          k++;
        }
      }
      const r = this.mkTop(level, base);
      // bounded: the nodes near the top are each flow's own and never asked again
      if (m.size >= 1 << 16) m.clear();
      m.set(x, r);
      return r;
    };
    return rec(n);
  }

  /** Index of the interval holding v in a node's pairs at offset o. */
  private seekIn(o: number, c: number, v: number): number {
    let lo = 0;
    let hi = c - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.pool[o + 2 * mid]! >>> 0 <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Whether the value vector (one value per level) is in the set. */
  contains(n: number, values: readonly number[]): boolean {
    while (n > FULL) {
      const o = this.meta[(n << 2) + 2]!;
      n = this.pool[o + 2 * this.seekIn(o, this.meta[(n << 2) + 1]!, values[this.meta[n << 2]!]!) + 1]!;
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
      if (this.level(n) !== level) {
        out.push(want);
        continue;
      }
      const { starts: s, kids: k } = this.node(n);
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
      const l = this.level(x);
      const { starts: s, kids: k } = this.node(x);
      let total = 0n;
      for (let i = 0; i < k.length; i++) {
        const hi = i + 1 < s.length ? s[i + 1]! : this.levels[l]!.max + 1;
        const c = k[i]!;
        if (c === EMPTY) continue;
        total += BigInt(hi - s[i]!) * rec(c) * span(l + 1, this.level(c));
      }
      memo.set(x, total);
      return total;
    };
    return rec(n) * span(0, this.level(n));
  }
}


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

/**
 * An exact set of packets of one Universe. Compare with `equals`; combine through the methods.
 *
 * A set may be kept as a deferred intersection a ∩ b that is known not to be
 * empty (the parts of a big partition: a flow's set and a cached walk's part,
 * ~10^6 of them on a kube-proxy node). It is built only when asked for
 * (`node`); intersecting or subtracting keeps it deferred (a ∩ (b op o), where
 * b is one of few sets, so b op o is mostly cached), and `unionOf` joins the
 * deferred sets that share b before building anything.
 */
export class PacketSet {
  private n: number;
  constructor(
    readonly dd: Dd,
    node: number,
    /** With node -1: the deferred intersection's operands, known to meet. */
    private readonly a = 0,
    private readonly b = 0,
  ) {
    this.n = node;
  }
  /** a ∩ b when the sets meet, built only on demand; the empty set otherwise. */
  static meet(dd: Dd, a: number, b: number): PacketSet {
    return dd.meets(a, b) ? PacketSet.deferred(dd, a, b) : new PacketSet(dd, EMPTY);
  }
  /** a ∩ b, built only on demand (at once when one holds the other trivially), for sets the caller knows to meet. */
  static deferred(dd: Dd, a: number, b: number): PacketSet {
    if (a === FULL || b === FULL || a === b) return new PacketSet(dd, a === FULL ? b : a);
    return new PacketSet(dd, -1, a, b);
  }
  get node(): number {
    if (this.n < 0) this.n = this.dd.and(this.a, this.b);
    return this.n;
  }
  private wrap(n: number): PacketSet {
    return n === this.n ? this : new PacketSet(this.dd, n);
  }
  private check(o: PacketSet): number {
    if (o.dd !== this.dd) throw new Error("packet sets from different universes cannot be combined");
    return o.node;
  }
  union(o: PacketSet): PacketSet {
    return this.wrap(this.dd.or(this.node, this.check(o)));
  }
  intersect(o: PacketSet): PacketSet {
    if (this.n < 0) return PacketSet.meet(this.dd, this.a, this.dd.and(this.b, this.check(o)));
    return this.wrap(this.dd.and(this.node, this.check(o)));
  }
  subtract(o: PacketSet): PacketSet {
    if (this.n < 0) return PacketSet.meet(this.dd, this.a, this.dd.diff(this.b, this.check(o)));
    return this.wrap(this.dd.diff(this.node, this.check(o)));
  }
  isEmpty(): boolean {
    return this.n === EMPTY;
  }
  equals(o: PacketSet): boolean {
    return this.check(o) === this.node;
  }
  /** Number of (field-vector) members; exact. */
  count(): bigint {
    return this.dd.count(this.node);
  }
  /**
   * The union of many sets: deferred intersections with the same second
   * operand are joined as (a1 ∪ a2 ∪ ...) ∩ b, then everything pairwise.
   */
  static unionOf(dd: Dd, sets: readonly PacketSet[]): PacketSet {
    const byB = new Map<number, number[]>();
    const built: number[] = [];
    for (const s of sets) {
      if (s.dd !== dd) throw new Error("packet sets from different universes cannot be combined");
      if (s.n >= 0) built.push(s.n);
      else {
        const l = byB.get(s.b);
        if (l) l.push(s.a);
        else byB.set(s.b, [s.a]);
      }
    }
    for (const [b, as] of byB) built.push(dd.and(dd.orAll(as), b));
    return new PacketSet(dd, dd.orAll(built));
  }
}

/** Binary search in a sorted array: the first index whose element is past v (upper) or not before it (lower). */
function bound<T extends number | bigint>(a: readonly T[], v: T, upper: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (upper ? a[mid]! <= v : a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the first element greater than v. */
export function upperBound<T extends number | bigint>(a: readonly T[], v: T): number {
  return bound(a, v, true);
}

/** The index of the first element not less than v. */
export function lowerBound<T extends number | bigint>(a: readonly T[], v: T): number {
  return bound(a, v, false);
}
