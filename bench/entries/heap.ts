// Heap retained by a parsed dump, per rule: run with --expose-gc.
import { readFileSync } from "node:fs";
import { parse } from "../../src/extensions/index.js";
const file = process.argv[2]!;
const text = readFileSync(file, "utf8");
const gc = (globalThis as { gc?: () => void }).gc!;
gc();
const before = process.memoryUsage().heapUsed;
const dump = parse(text, { file });
gc();
const after = process.memoryUsage().heapUsed;
let rules = 0;
for (const t of dump.tables.values()) for (const c of t.chains.values()) rules += c.rules.length;
process.stdout.write(JSON.stringify({ rules, retainedMB: (after - before) / 1e6, bytesPerRule: Math.round((after - before) / rules) }) + "\n");
