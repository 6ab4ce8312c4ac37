// The engine's shortcuts change nothing: rule indexes (rules pinned to a
// destination or port), cached walks of the whole space per environment class
// and the post-PREROUTING pipeline cache give the same partition as the plain
// rule-by-rule walk, and analyze without paths the same packets per behaviour
// as with them, on random kube-proxy/Docker-shaped rulesets (services pinned
// by address and port, endpoints behind statistic rules, DNAT, marks,
// masquerade, jumps, RETURN, interfaces, conntrack states) and on the fixtures.
import { describe, expect, it } from "vitest";
import { randomDump } from "./random-dump.js";
import { parse } from "../../src/extensions/index.js";
import { analysisHost, analyzeWith, chainVerdictsWith, plainPart } from "../../src/engine/symbolic.js";
import { SymUniverse } from "../../src/engine/universe.js";
import type { ChainPart, OutcomePart, PacketSet } from "../../src/engine/api.js";
import type { Dump } from "../../src/syntax/ast.js";
import { FIXTURES } from "./dumps.js";

/** Behaviour -> union of the sets that have it: equal maps mean equal partitions. */
function byBehaviour(parts: readonly (OutcomePart | ChainPart)[]): Map<string, PacketSet> {
  const m = new Map<string, PacketSet>();
  for (const p of parts) {
    // engine parts may read fields on demand: take them by name
    const { set, ...rest } = "outcome" in p ? plainPart(p) : p;
    const k = JSON.stringify(rest, Object.keys(rest).sort().concat(["table", "chain", "line", "target", "hook", "kind", "addr", "port", "src", "dst", "sport", "dport", "decision", "oif", "matched"]));
    const prev = m.get(k);
    m.set(k, prev ? prev.union(set) : set);
  }
  return m;
}

function expectSame(label: string, fast: readonly (OutcomePart | ChainPart)[], slow: readonly (OutcomePart | ChainPart)[]) {
  const a = byBehaviour(fast);
  const b = byBehaviour(slow);
  expect([...a.keys()].sort(), `${label}: behaviours`).toEqual([...b.keys()].sort());
  for (const [k, s] of a) expect(s.equals(b.get(k)!), `${label}: packets of ${k}`).toBe(true);
}

function check(d: Dump, label: string) {
  const u = new SymUniverse(d.family, analysisHost([d]), [d]);
  for (const direction of ["inbound", "local-out"] as const) {
    const fast = analyzeWith(d, { universe: u, direction }, true);
    const slow = analyzeWith(d, { universe: u, direction }, false);
    expect(fast.length, `${label}: no parts`).toBeGreaterThan(0);
    expectSame(`${label} ${direction}`, fast, slow);
    // without paths: the same packets per behaviour, one part per behaviour
    const lean = analyzeWith(d, { universe: u, direction, paths: false }, true);
    expect(lean.every((p) => p.path.length === 0)).toBe(true);
    expect(byBehaviour(lean).size, `${label}: one part per behaviour`).toBe(lean.length);
    expectSame(`${label} ${direction} without paths`, lean, fast.map((p) => ({ ...plainPart(p), path: [] })));
  }
  for (const t of d.tables.values())
    for (const c of t.chains.values()) {
      if (c.rules.length < 16) continue;
      const hook = t.name === "nat" ? "PREROUTING" : "FORWARD";
      expectSame(`${label} ${t.name} ${c.name}`, chainVerdictsWith(d, t.name, c.name, u.all(), { universe: u, hook }, true), chainVerdictsWith(d, t.name, c.name, u.all(), { universe: u, hook }, false));
    }
  return u;
}

describe("indexed and cached walks equal the plain walk", () => {
  it("on 12 random kube-proxy/Docker-shaped rulesets", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const text = randomDump(seed);
      const d = parse(text, { file: `random-${seed}` });
      check(d, `seed ${seed}`);
    }
  }, 300_000);
  for (const [name, text] of FIXTURES) {
    it(name, () => {
      check(parse(text, { file: name }), name);
    });
  }
});
