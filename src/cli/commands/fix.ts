// `dockwall fix`: the lint findings that have a mechanical fix, fixed with
// rules the engine has proved (the finding's packets blocked, allowed traffic
// untouched, nothing else changed), printed as a patched dump, a diff, a
// shell script for a live host, or a standalone nft table. Also
// `attachFixes`, which `dockwall lint` uses to list each finding's fixes.
import { Option, type Command } from "commander";
import { parse } from "../../extensions/index.js";
import { EngineInputError, type HostOptions } from "../../engine/api.js";
import type { Dump } from "../../syntax/ast.js";
import { RULE_IDS, RULES } from "../../lint/registry.js";
import { lint, type LintResult, type LintTarget } from "../../lint/run.js";
import { setHostOptions } from "../../lint/engine.js";
import { FIX_BUILDERS, fixFindings, proofHost, STRATEGIES, verifyTogether, type FixPlan, type Strategy } from "../../fix/index.js";
import { printDump } from "../../emit/save.js";
import { unifiedDiff } from "../../emit/diff.js";
import { fixNft, fixScript, toFix } from "../../emit/script.js";
import { readInput, UsageError } from "../io.js";
import { formatDiagnostic } from "../../report/diagnostics.js";

export const FIX_FORMATS = ["save", "diff", "script", "nft"] as const;
type FixFormat = (typeof FIX_FORMATS)[number];

/** Exit code when a finding has no verified fix for what was asked. */
export const EXIT_NO_FIX = 1;

interface FixCliOptions {
  rule: string[];
  strategy?: Strategy;
  format: FixFormat;
  hostAddr: string[];
  iface: string[];
  defaultIface?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function hostOptions(o: { hostAddr: string[]; iface: string[]; defaultIface?: string }): HostOptions {
  return { hostAddrs: o.hostAddr, ifaces: o.iface, ...(o.defaultIface ? { defaultIface: o.defaultIface } : {}) };
}

/**
 * Adds to each finding its proved fixes (failed proofs are not listed: such a fix is a bug, never advice).
 * Each proof re-runs the engine on a patched ruleset, so on a host with hundreds of findings
 * (one per NodePort, say) only the first `maxProofs` fixable findings get one; the others say how
 * to get theirs, rather than making every CI run pay for all of them.
 */
export function attachFixes(result: LintResult, targets: readonly LintTarget[], opts: HostOptions = {}, maxProofs = Infinity): void {
  let budget = maxProofs;
  for (const t of targets) {
    const fixable = result.findings.filter((f) => f.subject?.dump === t.dump && FIX_BUILDERS.has(f.id));
    const proved = fixable.slice(0, Math.max(0, budget));
    budget -= proved.length;
    for (const f of fixable.slice(proved.length)) {
      f.fixNote = `not proved in this run (lint proves fixes for the first ${maxProofs} findings; raise --fix-proofs, or run: dockwall fix --rule ${f.id} ${t.dump.file === "<stdin>" ? "FILE" : t.dump.file})`;
    }
    if (proved.length === 0) continue;
    for (const ff of fixFindings(t.dump, proved, opts)) {
      ff.finding.fixes = ff.fixes.filter((v) => v.status === "verified").map((v) => toFix(v, t.dump.family));
    }
  }
}

function plansKey(p: FixPlan): string {
  return JSON.stringify(p.edits, (k, v) => (k === "span" ? undefined : v));
}

export function registerFix(program: Command) {
  program
    .command("fix")
    .description("Fix the findings that have a mechanical fix, with rules the engine has proved")
    .argument("[file]", "an iptables-save / ip6tables-save dump; '-' or nothing reads standard input")
    .option("--rule <id>", "only this rule's findings (repeatable), e.g. DW101", collect, [])
    .addOption(new Option("--strategy <strategy>", "how to fix: nat-table rules, DOCKER-USER rules, an nft table, or raw-table drops").choices([...STRATEGIES]))
    .addOption(new Option("--format <format>", "save: patched dump; diff: unified diff; script: shell commands; nft: nft table").choices([...FIX_FORMATS]).default("diff"))
    .option("--host-addr <addr>", "an address of this host (repeatable)", collect, [])
    .option("--iface <name=addr/prefix>", "an interface of this host (repeatable), e.g. eth0=203.0.113.5/24", collect, [])
    .option("--default-iface <name>", "the external interface (default eth0)")
    .addHelpText(
      "after",
      `
Every fix printed has been proved by the engine: the finding's packets end
dropped or rejected, the traffic INPUT allowed still reaches the same container
address and port, and no other packet changes outcome.

Exit codes: 0 fixes printed (or nothing to fix), 1 a finding has no verified fix
for the requested strategy, 2 usage or input error.

Examples:
  dockwall fix rules.v4                              diff of the nat-table fix
  dockwall fix rules.v4 --strategy docker-user       DOCKER-USER rules instead
  dockwall fix rules.v4 --format nft > fix.nft       a table of its own: nft -f fix.nft
  dockwall fix rules.v4 --format script | sudo sh    apply to the live host
  dockwall fix rules.v4 --format save > rules.fixed  the whole patched dump`,
    )
    .action((file: string | undefined, o: FixCliOptions) => {
      const r = runFix(readInput(file), o);
      for (const w of r.stderr) process.stderr.write(w);
      process.stdout.write(r.stdout);
      process.exitCode = r.exit;
    });
}

export interface FixRun {
  stdout: string;
  stderr: string[];
  exit: number;
}

/** The whole of `dockwall fix` but the reading and writing: everything is computed before anything is written. */
export function runFix(input: { name: string; text: string }, o: Omit<FixCliOptions, "format"> & { format: FixFormat }): FixRun {
  const stderr: string[] = [];
  const format = o.format;
  const strategy = o.strategy ?? (format === "nft" ? "nft" : undefined);
  if (format === "nft" && strategy !== "nft") throw new UsageError(`--format nft prints the nft strategy; --strategy ${strategy} prints with --format save, diff or script`);
  if (format !== "nft" && strategy === "nft") throw new UsageError("--strategy nft prints with --format nft");
  const ids = new Set<string>();
  for (const r of o.rule) {
    const id = RULE_IDS.get(r) ?? RULE_IDS.get(r.toUpperCase()) ?? (FIX_BUILDERS.has(r.toUpperCase()) ? r.toUpperCase() : undefined);
    if (!id) throw new UsageError(`--rule ${r}: no such rule (see dockwall rules)`);
    if (!FIX_BUILDERS.has(id)) throw new UsageError(`--rule ${r}: ${id} has no mechanical fix (see dockwall explain ${id})`);
    ids.add(id);
  }
  const dump: Dump = parse(input.text, { file: input.name });
  for (const w of dump.warnings) stderr.push(formatDiagnostic(input.name, input.text, w) + "\n");
  const host = hostOptions(o);
  setHostOptions(host);
  let found;
  try {
    const result = lint([{ dump }], { rules: RULES.filter((r) => FIX_BUILDERS.has(r.meta.id)) });
    const wanted = result.findings.filter((f) => FIX_BUILDERS.has(f.id) && (ids.size === 0 || ids.has(f.id)));
    found = { all: result.findings.length, fixes: fixFindings(dump, wanted, host) };
  } catch (e) {
    if (e instanceof EngineInputError) throw new UsageError(e.message);
    throw e;
  }
  const where = (f: { location: { file: string; line: number }; id: string }) => `${f.location.file}:${f.location.line}: ${f.id}`;
  const problems: string[] = [];
  const picked: FixPlan[] = [];
  const notes: string[] = [];
  for (const ff of found.fixes) {
    const candidates = ff.fixes.filter((v) => (strategy ? v.plan.strategy === strategy : v.plan.strategy !== "nft"));
    const ok = candidates.find((v) => v.status === "verified");
    if (ok) {
      picked.push(ok.plan);
      notes.push(`${where(ff.finding)}: ${ok.plan.name} (verified)`);
      continue;
    }
    const why = ff.none ?? (candidates.map((v) => `${v.plan.name}: ${v.detail}`).join("; ") || `no fix with strategy ${strategy} (there are: ${[...new Set(ff.fixes.map((v) => v.plan.strategy))].join(", ") || "none"})`);
    problems.push(`${where(ff.finding)}: no verified fix${strategy ? ` with strategy ${strategy}` : ""}: ${why}`);
  }
  if (problems.length) {
    for (const p of problems) stderr.push(`dockwall: error: ${p}\n`);
    return { stdout: "", stderr, exit: EXIT_NO_FIX };
  }
  const seen = new Set<string>();
  const plans = picked.filter((p) => {
    const k = plansKey(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const together = verifyTogether(dump, plans, proofHost(dump, host));
  if (together.status !== "verified") {
    stderr.push(`dockwall: error: the fixes do not hold together: ${together.detail}\n`);
    return { stdout: "", stderr, exit: EXIT_NO_FIX };
  }
  const original = printDump(dump);
  let out = "";
  if (format === "save") out = printDump(together.patched);
  else if (plans.length === 0) out = "";
  else if (format === "diff") out = unifiedDiff(`a/${input.name}`, `b/${input.name}`, original, printDump(together.patched));
  else if (format === "script") out = fixScript(plans, dump.family, input.name);
  else out = fixNft(plans, dump.family, input.name);
  if (found.fixes.length === 0) stderr.push(`dockwall: nothing to fix in ${input.name}${found.all ? ` (${found.all} finding(s) without a mechanical fix: see dockwall lint)` : ""}\n`);
  else for (const n of notes) stderr.push(`dockwall: ${n}\n`);
  return { stdout: out, stderr, exit: 0 };
}
