// "The same connection in any state": a set of packets widened to every
// conntrack state, ctmark and TCP flag combination of the same header. A fix
// that blocks a connection's first packet also changes what happens to the
// rest of that connection (ESTABLISHED packets get no DNAT binding any more),
// and the proof must allow exactly those changes, no others.
//
// The engine's sets are decision diagrams whose last levels are the
// conntrack state, the TCP flags and the ctmark bits (src/engine/universe.ts);
// widening is then "every non-empty subtree below the state level is full".
// TODO(engine): replace with a Universe method once api.ts offers one.
import type { Universe } from "../engine/api.js";
import { PacketSet } from "../engine/sets.js";

const FULL = 1;
const EMPTY = 0;
/** Levels the widening forgets: the state and everything the diagrams order after it. */
const STATE_LEVEL = "ct";

export function anyState(u: Universe, s: PacketSet): PacketSet {
  const dd = s.dd;
  const first = dd.levels.findIndex((l) => l.name === STATE_LEVEL);
  if (first < 0) throw new Error("packet sets have no conntrack level");
  const memo = new Map<number, number>();
  const walk = (n: number): number => {
    if (n === EMPTY || n === FULL) return n;
    const hit = memo.get(n);
    if (hit !== undefined) return hit;
    const node = dd.node(n);
    const r = node.level >= first ? FULL : dd.mk(node.level, [...node.starts], node.kids.map(walk));
    memo.set(n, r);
    return r;
  };
  return new PacketSet(dd, walk(s.node)).intersect(u.all());
}

/** Packets that are not the first of their connection (state other than NEW). */
export function notNew(u: Universe): PacketSet {
  return u.all().subtract(u.of({ k: "ctstate", states: ["NEW"] }));
}
