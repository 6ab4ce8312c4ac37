// In-process timing of the parser alone (no CLI, no printing): read, parse, and
// report wall time and peak RSS as one JSON line. Bundled by bench/run.mjs.
import { readFileSync } from "node:fs";
import { parse } from "../../src/extensions/index.js";

const file = process.argv[2];
if (!file) throw new Error("usage: parse.js FILE");
const text = readFileSync(file, "utf8");
const t0 = performance.now();
const c0 = process.cpuUsage();
const dump = parse(text, { file });
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
let rules = 0;
for (const t of dump.tables.values()) for (const c of t.chains.values()) rules += c.rules.length;
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, rules, warnings: dump.warnings.length, maxRssKb: process.resourceUsage().maxRSS }) + "\n");
