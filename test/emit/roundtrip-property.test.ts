// parse(print(parse(x))) equals parse(x): the canonical printer loses nothing the
// parser keeps, for every fixture, Docker golden dump and torture file.
import { describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { printDump } from "../../src/emit/save.js";
import type { Dump } from "../../src/syntax/ast.js";
import { BUILTIN_CHAINS } from "../../src/syntax/ast.js";
import { DumpError } from "../../src/syntax/build.js";
import { fixtureFiles, goldenFiles, read, tortureFiles, type CorpusFile } from "../helpers/corpus.js";

/**
 * The parts of a Dump that describe the ruleset. Left out: where things were
 * written (spans, `declared`, `commit`, `implicit -m tcp`), counters, and the
 * file's own header/warnings. A table is completed with its built-in chains,
 * because a table that exists always has them (and iptables-save prints them).
 */
export function rulesetOf(d: Dump): unknown {
  const tables = [...d.tables.values()]
    .filter((t) => t.chains.size > 0)
    .map((t) => {
      const chains = new Map(t.chains);
      for (const n of BUILTIN_CHAINS.get(t.name)!) if (!chains.has(n)) chains.set(n, { name: n, builtin: true, policy: "ACCEPT", rules: [] });
      return { name: t.name, chains: [...chains.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return JSON.parse(
    JSON.stringify({ family: d.family, tables }, (k, v) =>
      k === "span" || k === "declared" || k === "commit" || k === "implicit" || k === "counters" ? undefined : v,
    ),
  );
}

function parsesOrNull(f: CorpusFile): Dump | null {
  try {
    return parse(read(f), { file: f.name, ...(f.family ? { family: f.family } : {}) });
  } catch (e) {
    if (e instanceof DumpError) return null;
    throw e;
  }
}

/** A jump to a chain the script deleted later (-X): iptables-restore refuses such a table, and so does the parser once it is printed. */
function hasDanglingJump(d: Dump): boolean {
  for (const t of d.tables.values())
    for (const c of t.chains.values()) for (const r of c.rules) if (r.target?.kind === "chain" && !t.chains.has(r.target.name)) return true;
  return false;
}

function checkRoundTrip(f: CorpusFile) {
  const first = parsesOrNull(f);
  // invalid on purpose (lint fixtures for bad input); the parser and lint tests cover those
  if (!first || hasDanglingJump(first)) return;
  const printed = printDump(first);
  const again = parse(printed, { file: `${f.name} (printed)`, family: first.family });
  expect(rulesetOf(again)).toEqual(rulesetOf(first));
  // printing is idempotent: the canonical form prints as itself
  expect(printDump(again)).toBe(printed);
}

describe("parse(print(parse(x))) = parse(x)", () => {
  for (const f of [...tortureFiles(), ...fixtureFiles()]) it(f.name, () => checkRoundTrip(f));

  const golden = goldenFiles();
  if (golden.length === 0) {
    console.warn("[skip] Docker golden dumps: ../shared/docker-golden is absent");
    it.skip("Docker golden dumps (../shared absent)", () => {});
  } else {
    it(`all ${golden.length} Docker golden dumps`, () => {
      for (const f of golden) {
        const first = parse(read(f), { file: f.name, ...(f.family ? { family: f.family } : {}) });
        const printed = printDump(first);
        expect(rulesetOf(parse(printed, { family: first.family })), f.name).toEqual(rulesetOf(first));
      }
    });
  }
});
