// `npm run bench`: generates the 1k/10k/100k kube-proxy + Docker dumps into
// bench/out/ and measures each registered benchmark on each, every run in a
// fresh child process (wall time and peak RSS from /usr/bin/time, or from the
// child's own report for in-process entries). Prints a markdown table and
// writes bench/out/results.json.
//
//   node bench/run.mjs                      all benchmarks, all sizes
//   node bench/run.mjs parse 100000         one benchmark (prefix match), one size
//   BENCH_RUNS=5 node bench/run.mjs         more repetitions (the minimum is reported)
//
// To add a measurement, append to BENCHMARKS below: either `cli` (arguments to
// dist/cli.js; the whole process is timed) or `entry` (a TypeScript file under
// bench/entries/ that times its own work and prints one JSON line with `ms`).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { generate } from "./gen.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "bench", "out");
const CLI = join(ROOT, "dist", "cli.js");

/**
 * The registry. name: shown in the table; cli(file) or entry + args(file), or
 * cmd(file) for another program (a reference to compare with; `available`
 * says whether this machine has it); sizes: rule counts to run on (default all);
 * note: what is measured.
 */
export const BENCHMARKS = [
  { name: "parse --check (whole process)", cli: (f) => ["parse", "--check", f], note: "node start + read + parse, no output" },
  { name: "parse > /dev/null (whole process)", cli: (f) => ["parse", f], note: "parse and print canonical iptables-save text" },
  { name: "parse (in-process)", entry: "parse.ts", args: (f) => [f], note: "parser alone, file already read" },
  { name: "lint, every rule (whole process)", cli: (f) => ["lint", "--fail-on", "none", "--format", "json", f], note: "parse + engine analysis + all 20 rules, JSON report" },
  { name: "lint (in-process)", entry: "lint.ts", args: (f) => [f], note: "engine partition + each rule alone (no fix proofs); the entry prints CPU per rule" },
  { name: "convert > /dev/null (whole process)", cli: (f) => ["convert", f], note: "dump to nft script: parse, translate, print" },
  { name: "convert after parse (in-process)", entry: "convert.ts", args: (f) => [f, "1"], note: "convert's own CPU: translate and encode a parsed dump (parseCpuMs in results.json)" },
  { name: "trace one packet (whole process)", cli: (f) => ["trace", f, "--src", "203.0.113.7", "--dst", "198.51.100.1", "--proto", "tcp", "--dport", "30000"], note: "parse + one NodePort packet, every statistic alternative traced" },
  { name: "symbolic partition (in-process)", entry: "symbolic.ts", args: (f) => [f], sizes: [10000, 100000], note: "engine analyze(): the whole partition after parse (ms); target 100k under 2 s and 500 MB" },
  {
    name: "iptables-restore-translate -f (reference)",
    cmd: (f) => ["iptables-restore-translate", "-f", f],
    available: () => spawnSync("sh", ["-c", "command -v iptables-restore-translate"]).status === 0,
    note: "netfilter's C translator on the same dump, for comparison with convert",
  },
];

export const SIZES = [1000, 10000, 100000];

function dumpFile(rules) {
  const file = join(OUT, `kube-docker-${rules}.rules`);
  if (!existsSync(file)) writeFileSync(file, generate(rules).text);
  return file;
}

const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** One child process: wall and CPU (user+system) seconds and peak RSS in KB, from /usr/bin/time -f. */
function runOnce(argv) {
  const t0 = performance.now();
  const args = TIME ? ["-f", "@@%e %M %U %S", ...argv] : argv;
  const r = spawnSync(TIME ?? argv[0], TIME ? args : argv.slice(1), { encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr.slice(-500)}`);
  const m = /@@([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wall: m ? Number(m[1]) : wall, rssKb: m ? Number(m[2]) : undefined, cpu: m ? Number(m[3]) + Number(m[4]) : undefined, stdout: r.stdout };
}

async function bundleEntry(entry) {
  const outfile = join(OUT, "entries", entry.replace(/\.ts$/, ".mjs"));
  await build({
    entryPoints: [join(ROOT, "bench", "entries", entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return outfile;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const [filter, sizeArg] = process.argv.slice(2);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  mkdirSync(OUT, { recursive: true });
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: run `node build.mjs` (npm run bench does)");
  const sizes = sizeArg ? [Number(sizeArg)] : SIZES;
  const chosen = BENCHMARKS.filter((b) => (!filter || b.name.startsWith(filter)) && (!b.available || b.available()));
  const results = [];
  for (const b of chosen) {
    const entry = b.entry ? await bundleEntry(b.entry) : undefined;
    for (const rules of (b.sizes ?? SIZES).filter((s) => sizes.includes(s))) {
      const file = dumpFile(rules);
      const argv = b.cmd ? b.cmd(file) : entry ? [process.execPath, entry, ...b.args(file)] : [process.execPath, CLI, ...b.cli(file)];
      const samples = [];
      for (let i = 0; i < runs; i++) {
        const r = runOnce(argv);
        // an in-process entry reports its own time; the process's RSS still counts
        const own = entry ? JSON.parse(r.stdout.trim().split("\n").pop()) : undefined;
        samples.push({ s: own ? own.ms / 1000 : r.wall, cpu: own ? own.cpuMs / 1000 : r.cpu, rssKb: r.rssKb ?? own?.maxRssKb });
      }
      const row = {
        benchmark: b.name,
        rules,
        minS: Math.min(...samples.map((x) => x.s)),
        medianS: median(samples.map((x) => x.s)),
        // CPU time moves much less than wall time when other processes share the machine
        minCpuS: Math.min(...samples.map((x) => x.cpu ?? Infinity)),
        peakRssMb: Math.max(...samples.map((x) => x.rssKb ?? 0)) / 1024,
        runs,
      };
      results.push(row);
      process.stderr.write(`${b.name} ${rules}: min ${row.minS.toFixed(3)} s, median ${row.medianS.toFixed(3)} s, CPU ${row.minCpuS.toFixed(3)} s, peak RSS ${row.peakRssMb.toFixed(0)} MB\n`);
    }
  }
  const lines = ["| benchmark | rules | min wall (s) | median wall (s) | min CPU (s) | peak RSS (MB) |", "|---|---:|---:|---:|---:|---:|"];
  for (const r of results) lines.push(`| ${r.benchmark} | ${r.rules} | ${r.minS.toFixed(3)} | ${r.medianS.toFixed(3)} | ${r.minCpuS.toFixed(3)} | ${r.peakRssMb.toFixed(0)} |`);
  process.stdout.write(lines.join("\n") + "\n");
  const loadavg = (await import("node:os")).loadavg();
  writeFileSync(join(OUT, "results.json"), JSON.stringify({ date: new Date().toISOString(), node: process.version, loadavg, results }, null, 2) + "\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exit(1);
  });
}
