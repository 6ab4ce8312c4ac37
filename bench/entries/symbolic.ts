// The symbolic partition of a whole dump (nat PREROUTING, routing, filter
// INPUT/FORWARD, POSTROUTING for every arriving packet) and one concrete
// trace: wall time, parts and peak RSS as one JSON line (`ms` is the
// partition), with the decision diagram's operation counts (`setOps`,
// `nodeLookups`, `nodes`: the same on a loaded machine). Targets for the
// 100k-rule kube-proxy + Docker dump: partition under 2 s and 500 MB; a
// trace no slower than parsing the dump.
//
//   node bench/entries/symbolic.mjs FILE [--paths=false]
import { readFileSync } from "node:fs";
import { parse } from "../../src/extensions/index.js";
import { analysisHost, analyze } from "../../src/engine/symbolic.js";
import { SymUniverse } from "../../src/engine/universe.js";
import { trace } from "../../src/engine/trace.js";

const file = process.argv[2];
if (!file) throw new Error("usage: symbolic.js FILE");
const text = readFileSync(file, "utf8");
let t0 = performance.now();
const dump = parse(text, { file });
const parseMs = performance.now() - t0;
let rules = 0;
for (const t of dump.tables.values()) for (const c of t.chains.values()) rules += c.rules.length;
t0 = performance.now();
const cpu0 = process.cpuUsage();
const paths = !process.argv.includes("--paths=false");
// the universe made here (as analyze would) so that its operation counts can be read:
// set operations computed and nodes looked up do not depend on the machine's load
const universe = new SymUniverse(dump.family, analysisHost([dump]), [dump]);
const parts = analyze(dump, { paths, universe });
const cpu = process.cpuUsage(cpu0);
const analyzeMs = performance.now() - t0;
const outcomes: Record<string, number> = {};
let withChoices = 0;
for (const p of parts) {
  outcomes[p.outcome] = (outcomes[p.outcome] ?? 0) + 1;
  if (p.choices) withChoices++;
}
// a kube service with several endpoints: DNATed to one, every alternative traced too
const svc = (() => {
  const nat = dump.tables.get("nat");
  for (const r of nat?.chains.get("KUBE-SERVICES")?.rules ?? []) {
    const target = r.target?.name ?? "";
    const endpoints = nat!.chains.get(target)?.rules.filter((x) => x.target?.name.startsWith("KUBE-SEP-")).length ?? 0;
    const dport = r.matches.flatMap((m) => m.options).find((o) => o.name === "--dport")?.args[0];
    if (endpoints > 2 && r.dst && r.proto?.value === "tcp" && dport) return { dst: r.dst.addr, dport: Number(dport) };
  }
  return { dst: "10.96.0.10", dport: 80 };
})();
t0 = performance.now();
const tr = trace(dump, { src: "203.0.113.7", dst: svc.dst, proto: "tcp", dport: svc.dport });
const traceMs = performance.now() - t0;
process.stdout.write(
  JSON.stringify({
    rules,
    paths,
    ms: Math.round(analyzeMs),
    analyzeMs: Math.round(analyzeMs),
    analyzeCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    parseMs: Math.round(parseMs),
    parts: parts.length,
    setOps: universe.dd.stats.applied,
    nodeLookups: universe.dd.stats.made,
    nodes: universe.dd.size,
    withChoices,
    outcomes,
    traceMs: Math.round(traceMs),
    traceOutcome: tr.outcome,
    traceAlternatives: tr.alternatives?.length ?? 0,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    maxRssKb: process.resourceUsage().maxRSS,
  }) + "\n",
);
