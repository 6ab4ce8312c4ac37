// In-process timing of convert's own work after parse: translating the parsed
// dump into an nft script, then encoding and writing it (to /dev/null), the way
// the CLI does. Prints one JSON line: parse CPU ms, and convert's CPU ms on the
// first run and the best of RUNS (default 3), so convert can be compared
// without the parser's share.
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { parse } from "../../src/extensions/index.js";
import { convertDump } from "../../src/emit/nft.js";

const file = process.argv[2];
const runs = Number(process.argv[3] ?? 3);
if (!file) throw new Error("usage: convert.js FILE [RUNS]");
const text = readFileSync(file, "utf8");
const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};
let c0 = process.cpuUsage();
const dump = parse(text, { file });
const parseCpuMs = cpuMs(c0);
const devnull = openSync("/dev/null", "w");
const measured: { ms: number; translateCpuMs: number; writeCpuMs: number }[] = [];
let bytes = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  c0 = process.cpuUsage();
  const r = convertDump(dump);
  const translateCpuMs = cpuMs(c0);
  c0 = process.cpuUsage();
  bytes = 0;
  for (const chunk of r.chunks) bytes += writeSync(devnull, chunk);
  measured.push({ ms: performance.now() - t0, translateCpuMs, writeCpuMs: cpuMs(c0) });
}
closeSync(devnull);
const first = measured[0]!;
const total = (m: (typeof measured)[number]) => m.translateCpuMs + m.writeCpuMs;
process.stdout.write(
  JSON.stringify({
    ms: first.ms,
    cpuMs: total(first),
    parseCpuMs,
    first,
    bestCpuMs: Math.min(...measured.map(total)),
    bytes,
    maxRssKb: process.resourceUsage().maxRSS,
  }) + "\n",
);
