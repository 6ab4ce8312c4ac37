// Docker's own generated rulesets (moby's iptabler golden files, shared/docker-golden):
// every one must parse without errors or warnings, and print back the same rules in the same order.
// Skips when ../shared is not there (the data is not part of this repository).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { printDump } from "../../src/emit/save.js";

const DIR = fileURLToPath(new URL("../../../shared/docker-golden/iptables", import.meta.url));
const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith(".golden")).sort() : [];
if (!files.length) console.warn(`[skip] Docker golden dumps: ${DIR} not found`);

/** Rule lines per table, in order. */
function rules(text: string): string[] {
  let table = "";
  const out: string[] = [];
  for (const l of text.split("\n")) {
    if (l.startsWith("*")) table = l;
    else if (l.startsWith("-A ")) out.push(`${table} ${l}`);
  }
  return out;
}

describe.skipIf(!files.length)("Docker golden dumps", () => {
  it(`all ${files.length} parse cleanly and print back their own rules`, () => {
    const problems: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(DIR, f), "utf8");
      const family = f.includes("__ip6tables") ? "ipv6" : "ipv4";
      try {
        const d = parse(text, { file: f, family });
        if (d.warnings.length) problems.push(`${f}: ${d.warnings[0]!.message}`);
        const back = rules(printDump(d));
        const want = rules(text);
        if (JSON.stringify(back) !== JSON.stringify(want)) problems.push(`${f}: prints back different rules`);
      } catch (e) {
        problems.push(`${f}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
