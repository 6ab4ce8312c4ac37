// Parses each file given and prints its first error or OK (a debugging aid).
import { readFileSync } from "node:fs";
import { parse } from "../../src/extensions/index.js";
import { DumpError } from "../../src/syntax/build.js";
for (const f of process.argv.slice(2)) {
  try {
    const d = parse(readFileSync(f, "utf8"), { file: f });
    console.log(`OK ${f} warnings=${d.warnings.map((w) => `${w.span.line}:${w.span.col} ${w.message}`).join(" | ")}`);
  } catch (e) {
    if (e instanceof DumpError) console.log(`ERR ${f}: ${e.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`).join(" || ")}`);
    else throw e;
  }
}
