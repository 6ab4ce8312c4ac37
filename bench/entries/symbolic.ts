// The symbolic partition of a whole dump (nat PREROUTING, routing, filter
// INPUT/FORWARD, POSTROUTING for every arriving packet) and one concrete
// trace: wall time, parts and peak RSS as one JSON line. Target for the
// 100k-rule kube-proxy + Docker dump: under 2 s and 500 MB for the partition.
import { readFileSync } from "node:fs";
import { parse } from "../../src/extensions/index.js";
import { analyze } from "../../src/engine/symbolic.js";
import { trace } from "../../src/engine/trace.js";

const file = process.argv[2];
if (!file) throw new Error("usage: symbolic.js FILE");
const dump = parse(readFileSync(file, "utf8"), { file });
let rules = 0;
for (const t of dump.tables.values()) for (const c of t.chains.values()) rules += c.rules.length;
let t0 = performance.now();
const parts = analyze(dump);
const analyzeMs = performance.now() - t0;
const outcomes: Record<string, number> = {};
for (const p of parts) outcomes[p.outcome] = (outcomes[p.outcome] ?? 0) + 1;
t0 = performance.now();
const tr = trace(dump, { src: "203.0.113.7", dst: "198.51.100.1", proto: "tcp", dport: 443 });
const traceMs = performance.now() - t0;
process.stdout.write(
  JSON.stringify({ rules, analyzeMs: Math.round(analyzeMs), parts: parts.length, outcomes, traceMs: Math.round(traceMs), traceOutcome: tr.outcome, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + "\n",
);
