// In-process timing of lint: the engine's whole-path partition (shared by the
// rules) and then each rule on its own, CPU milliseconds (what compares on a
// loaded machine). One JSON line: ms/cpuMs for the partition plus every rule,
// `analyzeCpuMs`, and `rules` (id -> CPU ms, slowest first). Fix proofs are not
// included (see `dockwall lint --fix-proofs`). Bundled by bench/run.mjs, or by
// hand: npx esbuild bench/entries/lint.ts --bundle --platform=node --format=esm --outfile=/tmp/lint.mjs
import { readFileSync } from "node:fs";
import { parse } from "../../src/extensions/index.js";
import { viewOf } from "../../src/lint/engine.js";
import { RULES } from "../../src/lint/registry.js";
import { lint } from "../../src/lint/run.js";

const file = process.argv[2];
if (!file) throw new Error("usage: lint.js FILE");
const dump = parse(readFileSync(file, "utf8"), { file });
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const t0 = performance.now();
const c0 = process.cpuUsage();
viewOf(dump).inbound();
const analyzeCpuMs = cpuMs(process.cpuUsage(c0));
const perRule: [string, number][] = [];
let findings = 0;
for (const rule of RULES) {
  const c = process.cpuUsage();
  findings += lint([{ dump }], { rules: [rule] }).findings.length;
  perRule.push([rule.meta.id, Math.round(cpuMs(process.cpuUsage(c)))]);
}
const ms = performance.now() - t0;
perRule.sort((a, b) => b[1] - a[1]);
process.stdout.write(
  JSON.stringify({ ms, cpuMs: cpuMs(process.cpuUsage(c0)), analyzeCpuMs, findings, rules: Object.fromEntries(perRule), maxRssKb: process.resourceUsage().maxRSS }) + "\n",
);
