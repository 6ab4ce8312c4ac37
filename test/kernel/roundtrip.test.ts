// The kernel as oracle for the canonical printer: every ruleset the kernel
// accepts is restored into a fresh network namespace, read back with
// iptables-save, and compared line for line with printDump (counters and
// `#` lines ignored). IPv6 files go through ip6tables-restore/-save.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { printDump } from "../../src/emit/save.js";
import type { Family } from "../../src/syntax/ast.js";
import { DumpError } from "../../src/syntax/build.js";
import { fixtureFiles, goldenFiles, read, tortureFiles, type CorpusFile } from "../helpers/corpus.js";
import { describeKernel, runInNetns } from "../helpers/kernel.js";

/** Lines that describe the ruleset: no comments, chain counters zeroed. */
export function comparable(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.replace(/^(:\S+ \S+) \[\d+:\d+\]$/, "$1 [0:0]").replace(/^\[\d+:\d+\] /, ""));
}

interface KernelResult {
  /** restore succeeded and this is iptables-save's output */
  saved?: string;
  /** why the kernel did not take the file */
  rejected?: string;
  /** accepted by `--test`, refused at commit (a kernel feature this machine lacks) */
  testOnly?: boolean;
}

/** Restores each file in one namespace, wiping all of nf_tables in between. */
function kernelRoundTrip(files: { path: string; family: Family }[]): KernelResult[] {
  const dir = mkdtempSync(path.join(tmpdir(), "dockwall-rt-"));
  try {
    const lines = ["set -u", `d=${JSON.stringify(dir)}`];
    files.forEach((f, i) => {
      const [r, s] = f.family === "ipv6" ? ["ip6tables-restore", "ip6tables-save"] : ["iptables-restore", "iptables-save"];
      const q = JSON.stringify(f.path);
      lines.push(
        "nft flush ruleset",
        `if ${r} < ${q} 2>"$d/${i}.err"; then ${s} > "$d/${i}.out" 2>>"$d/${i}.err"; ` +
          `else nft flush ruleset; if ${r} --test < ${q} 2>/dev/null; then : > "$d/${i}.testonly"; fi; fi`,
      );
    });
    const script = path.join(dir, "batch.sh");
    writeFileSync(script, lines.join("\n") + "\n");
    const res = runInNetns(`sh ${JSON.stringify(script)}`, { timeoutMs: 300_000 });
    if (res.status !== 0) throw new Error(`kernel batch failed (${res.status}): ${res.stderr}`);
    return files.map((_, i) => {
      const out = path.join(dir, `${i}.out`);
      if (existsSync(out)) return { saved: readFileSync(out, "utf8") };
      return { rejected: readFileSync(path.join(dir, `${i}.err`), "utf8").trim(), testOnly: existsSync(path.join(dir, `${i}.testonly`)) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Case {
  file: CorpusFile;
  family: Family;
  ours?: string;
  ourError?: string;
  kernel?: KernelResult;
}

function prepare(files: CorpusFile[]): Case[] {
  return files.map((file) => {
    try {
      const d = parse(read(file), { file: file.name, ...(file.family ? { family: file.family } : {}) });
      return { file, family: d.family, ours: printDump(d) };
    } catch (e) {
      if (!(e instanceof DumpError)) throw e;
      return { file, family: file.family ?? "ipv4", ourError: e.message };
    }
  });
}

function check(c: Case) {
  const k = c.kernel!;
  if (k.saved === undefined) {
    // The kernel refused the file: nothing to compare. If it passed --test it
    // needs a kernel feature this machine lacks; say so rather than hide it.
    if (k.testOnly) console.warn(`[kernel] ${c.file.name}: accepted by --test but not loadable here: ${k.rejected}`);
    return;
  }
  expect(c.ourError, `the kernel accepts ${c.file.name} but dockwall rejects it`).toBeUndefined();
  expect(comparable(c.ours!)).toEqual(comparable(k.saved));
}

describeKernel("printDump equals the kernel's iptables-save", () => {
  const torture = prepare(tortureFiles());
  const fixtures = prepare(fixtureFiles());
  const golden = prepare(goldenFiles());
  const all = [...torture, ...fixtures, ...golden];

  beforeAll(() => {
    const results = kernelRoundTrip(all.map((c) => ({ path: c.file.path, family: c.family })));
    all.forEach((c, i) => (c.kernel = results[i]));
  }, 300_000);

  afterAll(() => {
    const loaded = all.filter((c) => c.kernel?.saved !== undefined).length;
    console.log(`[kernel] ${loaded} of ${all.length} rulesets loaded and compared`);
  });

  for (const c of torture) {
    it(`torture file ${c.file.name} loads and prints as the kernel prints it`, () => {
      expect(c.kernel!.rejected, "the torture file must load into the kernel").toBeUndefined();
      check(c);
    });
  }
  for (const c of fixtures) it(c.file.name, () => check(c));
  if (golden.length === 0) {
    console.warn("[skip] Docker golden dumps: ../shared/docker-golden is absent");
  } else {
    it(`all ${golden.length} Docker golden dumps (IPv4 and IPv6)`, () => {
      const loaded = golden.filter((c) => c.kernel!.saved !== undefined);
      expect(loaded.length).toBeGreaterThan(0);
      for (const c of golden) check(c);
    });
  }
});
