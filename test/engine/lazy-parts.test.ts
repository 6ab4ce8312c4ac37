// The contract of analyze()'s lazily built parts (that their fields equal the
// plain walk's is indexed.test.ts): a part's path is the concatenation of its
// shared segments, plainPart survives a spread, and a result is kept per
// walker (the same array for the same arguments, a new one otherwise).
import { describe, expect, it } from "vitest";
import { randomDump } from "./random-dump.js";
import { parse } from "../../src/extensions/index.js";
import { analysisHost, analyze, pathSegments, plainPart } from "../../src/engine/symbolic.js";
import { SymUniverse } from "../../src/engine/universe.js";

describe("lazy parts", () => {
  it("have paths made of their shared segments, and plain copies that survive a spread", () => {
    let lazy = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const d = parse(randomDump(seed), { file: `random-${seed}` });
      const u = new SymUniverse(d.family, analysisHost([d]), [d]);
      for (const p of analyze(d, { universe: u })) {
        const segs = pathSegments(p);
        if (segs.length > 1) lazy++;
        expect(segs.flat()).toEqual(p.path);
        // a plain copy keeps every field through a spread (the lazy part's are on its prototype)
        const copy = { ...plainPart(p) };
        expect([copy.outcome, copy.decidedBy, copy.routing, copy.reason, copy.nat, copy.rewritten, copy.choices, copy.path]).toEqual([p.outcome, p.decidedBy, p.routing, p.reason, p.nat, p.rewritten, p.choices, p.path]);
        expect(copy.set.equals(p.set)).toBe(true);
      }
    }
    // the random kube-shaped dumps DNAT to constants: their parts come from the pipeline
    expect(lazy).toBeGreaterThan(100);
  });

  it("are kept per walker: the same arguments give the same array", () => {
    const d = parse(randomDump(3), { file: "random-3" });
    const u = new SymUniverse(d.family, analysisHost([d]), [d]);
    const a = analyze(d, { universe: u });
    expect(analyze(d, { universe: u })).toBe(a);
    expect(analyze(d, { universe: u, paths: false })).not.toBe(a);
    expect(analyze(d, { universe: u, direction: "local-out" })).not.toBe(a);
    const tcp = u.of({ k: "num", field: "proto", ranges: [[6, 6]] });
    const some = analyze(d, { universe: u, input: tcp });
    expect(some).not.toBe(a);
    expect(analyze(d, { universe: u, input: tcp })).toBe(some);
    // another universe is another walker
    expect(analyze(d, { universe: new SymUniverse(d.family, analysisHost([d]), [d]) })).not.toBe(a);
  });
});
