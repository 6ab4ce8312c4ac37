// compare(): a packet is in a Difference exactly when the set of things it
// can do (outcome, final address/port, output interface; several with
// statistic choices) differs between the two rulesets. Checked packet by
// packet on random rulesets and a slightly edited copy of each.
import { describe, expect, it } from "vitest";
import { rng } from "./rng.js";
import { randomDump } from "./random-dump.js";
import { parse } from "../../src/extensions/index.js";
import { analyze, analysisHost, compare, plainPart } from "../../src/engine/symbolic.js";
import { SymUniverse } from "../../src/engine/universe.js";
import type { OutcomePart, TracePacket } from "../../src/engine/api.js";
import { CLASSIC } from "./dumps.js";

/** The whole part, its set by node (one universe: equal sets are equal nodes). */
const whole = (p: OutcomePart) => JSON.stringify({ ...plainPart(p), set: p.set.node });
const behaviour = (p: OutcomePart) => JSON.stringify([p.outcome, p.reason ?? "", p.rewritten.dst ?? "", p.rewritten.dport ?? "", p.rewritten.src ?? "", p.rewritten.sport ?? "", p.routing?.oif ?? ""]);

function packets(seed: number, n: number): TracePacket[] {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, () => ({
    src: pick(["203.0.113.7", "10.244.0.5", "172.17.0.3", "10.244.1.6"]),
    dst: pick(["10.96.0.10", "10.96.0.11", "10.96.0.12", "10.96.0.13", "10.96.0.14", "10.96.0.15", "198.51.100.1", "10.244.0.5", "8.8.8.8"]),
    proto: pick(["tcp", "udp"]),
    sport: 40000,
    dport: pick([53, 80, 443, 8080, 30080]),
    in: pick(["eth0", "docker0", "br-1", "cni0"]),
    state: pick(["new", "established"] as const),
  }));
}

/** Drops a few rule lines (not declarations) chosen by the seed. */
function edit(text: string, seed: number): string {
  const lines = text.split("\n");
  const rules = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith("-A "));
  const r = rng(seed * 7 + 1);
  const drop = new Set(Array.from({ length: 6 }, () => rules[Math.floor(r() * rules.length)]![1]));
  return lines.filter((_, i) => !drop.has(i)).join("\n");
}

describe("compare", () => {
  it("finds exactly the packets whose possible behaviours differ (random rulesets, a few rules dropped)", () => {
    let differing = 0;
    let same = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const ta = randomDump(seed);
      const a = parse(ta, { file: "a" });
      const b = parse(edit(ta, seed), { file: "b" });
      const host = analysisHost([a, b]);
      const u = new SymUniverse(a.family, host, [a, b]);
      const pa = analyze(a, { universe: u });
      const pb = analyze(b, { universe: u });
      const diffs = compare(a, b, { universe: u });
      for (const p of packets(seed, 150)) {
        const inA = pa.filter((x) => u.contains(x.set, p));
        const inB = pb.filter((x) => u.contains(x.set, p));
        const ba = new Set(inA.map(behaviour));
        const bb = new Set(inB.map(behaviour));
        const differs = ba.size !== bb.size || [...ba].some((x) => !bb.has(x));
        const mine = diffs.filter((x) => u.contains(x.set, p));
        expect(mine.length > 0, `seed ${seed}: ${JSON.stringify(p)} ${[...ba]} vs ${[...bb]}`).toBe(differs);
        for (const m of mine) {
          expect(inA.map(whole)).toContain(whole(m.before));
          expect(inB.map(whole)).toContain(whole(m.after));
          expect(behaviour(m.before)).not.toBe(behaviour(m.after));
        }
        if (differs) differing++;
        else same++;
      }
    }
    // the property says something only if both kinds of packet occur
    expect(differing).toBeGreaterThan(20);
    expect(same).toBeGreaterThan(20);
  }, 300_000);

  it("deterministic rulesets: the intersecting pairs of parts that behave differently", () => {
    const a = parse(CLASSIC, { file: "a" });
    const b = parse(CLASSIC.replace(/^-A DOCKER .*DNAT.*$/m, ""), { file: "b" });
    const u = new SymUniverse(a.family, analysisHost([a, b]), [a, b]);
    const pa = analyze(a, { universe: u });
    const pb = analyze(b, { universe: u });
    const naive: { set: typeof pa[number]["set"]; before: OutcomePart; after: OutcomePart }[] = [];
    for (const x of pa) for (const y of pb) if (behaviour(x) !== behaviour(y) && !x.set.intersect(y.set).isEmpty()) naive.push({ set: x.set.intersect(y.set), before: x, after: y });
    const got = compare(a, b, { universe: u });
    expect(naive.length).toBeGreaterThan(0);
    expect(got.map((g) => [whole(g.before), whole(g.after)])).toEqual(naive.map((g) => [whole(g.before), whole(g.after)]));
    got.forEach((g, i) => expect(g.set.equals(naive[i]!.set)).toBe(true));
  });
});
