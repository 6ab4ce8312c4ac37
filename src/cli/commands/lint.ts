// `dockwall lint`: find Docker firewall traps in one or more dumps (or the
// live host), report them in text/json/sarif/github form, and exit 0/1/2 for CI.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { Option, type Command } from "commander";
import { parse } from "../../extensions/index.js";
import type { Dump } from "../../syntax/ast.js";
import { applyBaseline, parseBaseline, serializeBaseline, BaselineError } from "../../lint/baseline.js";
import { ConfigError, DEFAULT_CONFIG, FAIL_ON, findConfig, loadConfig, type FailOn, type LintConfig } from "../../lint/config.js";
import { RULE_IDS, RULES } from "../../lint/registry.js";
import { failing, lint, type LintTarget } from "../../lint/run.js";
import { setHostOptions } from "../../lint/engine.js";
import { PROFILE, profileSince, profileStart } from "../../lint/profile.js";
import { formatReport, REPORT_FORMATS, type ReportFormat } from "../../report/index.js";
import { readInput, UsageError, warnAll } from "../io.js";
import { attachFixes } from "./fix.js";

declare const DOCKWALL_VERSION: string;
const VERSION = typeof DOCKWALL_VERSION === "string" ? DOCKWALL_VERSION : "dev";

const collect = (v: string, prev: string[]) => [...prev, v];

interface LintCliOptions {
  iface: string[];
  hostAddr: string[];
  defaultIface?: string;
  format: ReportFormat;
  failOn?: FailOn;
  ip6?: string;
  live?: boolean;
  config?: string | false;
  baseline?: string;
  writeBaseline?: string;
  fixProofs: number;
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== "" && force !== "0" && force !== "false") return true;
  return !!stream.isTTY;
}

function parseInput(name: string, text: string, family?: "ipv4" | "ipv6"): Dump {
  const dump = parse(text, { file: name, ...(family ? { family } : {}) });
  warnAll(name, text, dump.warnings);
  return dump;
}

function fileTargets(files: string[], ip6: string | undefined): LintTarget[] {
  const dumps = (files.length ? files : ["-"]).map((f) => {
    const input = readInput(f);
    return parseInput(input.name, input.text);
  });
  if (ip6 === undefined) return dumps.map((dump) => ({ dump }));
  const v6input = readInput(ip6);
  const v6 = parseInput(v6input.name, v6input.text, "ipv6");
  const v4 = dumps.filter((d) => d.family === "ipv4");
  if (v4.length !== 1) throw new UsageError(`--ip6 pairs one IPv6 dump with one IPv4 dump; ${v4.length} IPv4 dumps were given`);
  // Each dump is linted once: the v4 one with the v6 one as its peer, the v6 one on its own.
  return [...dumps.map((d) => (d === v4[0] ? { dump: d, peer: v6 } : { dump: d })), { dump: v6 }];
}

const run = promisify(execFile);

const LEGACY_WARNING = /^# Warning: iptables-legacy tables present.*$/m;

/**
 * Reads the host's rules read-only through a save tool (no shell). iptables
 * prints its legacy-tables warning on stderr; it is kept at the end of the
 * text, where `iptables-save 2>&1` would put it, so that DW110 sees it.
 */
async function saveOutput(tool: string): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(tool, [], { maxBuffer: 512 * 1024 * 1024, timeout: 60_000 });
    const warning = LEGACY_WARNING.exec(stderr);
    return warning && !LEGACY_WARNING.test(stdout) ? `${stdout}${stdout.endsWith("\n") || !stdout ? "" : "\n"}${warning[0]}\n` : stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT") return undefined;
    throw new UsageError(`${tool} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

export async function liveTargets(): Promise<LintTarget[]> {
  const v4text = await saveOutput("iptables-save");
  if (v4text === undefined) throw new UsageError("--live needs iptables-save on PATH");
  const v4 = parseInput("iptables-save", v4text);
  const v6text = await saveOutput("ip6tables-save");
  const v6 = v6text && v6text.trim() ? parseInput("ip6tables-save", v6text, "ipv6") : undefined;
  const targets: LintTarget[] = [v6 ? { dump: v4, peer: v6 } : { dump: v4 }];
  if (v6) targets.push({ dump: v6 });
  // The legacy backend is read only when the nft one says it holds rules.
  for (const [dump, tool, family] of [[v4, "iptables-legacy-save", "ipv4"], [v6, "ip6tables-legacy-save", "ipv6"]] as const) {
    if (!dump?.legacyTablesWarning) continue;
    const text = await saveOutput(tool);
    if (text && text.trim()) targets.push({ dump: parseInput(tool, text, family) });
  }
  return targets;
}

function config(o: LintCliOptions): LintConfig {
  if (o.config === false) return DEFAULT_CONFIG;
  const file = o.config ?? findConfig(process.cwd());
  if (!file) return DEFAULT_CONFIG;
  try {
    return loadConfig(file, RULE_IDS);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

export function registerLint(program: Command) {
  program
    .command("lint")
    .description("Find the traps Docker's iptables rules set for your firewall")
    .argument("[files...]", "iptables-save / ip6tables-save dumps; '-' or nothing reads standard input")
    .addOption(new Option("--format <format>", "output format").choices([...REPORT_FORMATS]).default("text"))
    .addOption(new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity (default: warning)").choices([...FAIL_ON]))
    .option("--ip6 <file>", "an ip6tables-save dump of the same host, paired with the IPv4 dump (enables DW111)")
    .option("--live", "read this host's rules through iptables-save / ip6tables-save (read-only)")
    .option("--config <file>", "config file (default: .dockwall.json found upward from the current directory)")
    .option("--no-config", "ignore any .dockwall.json")
    .option("--iface <name=addr/prefix>", "an interface of this host (repeatable), e.g. eth0=203.0.113.5/24; makes witnesses use real addresses", collect, [])
    .option("--host-addr <addr>", "an address of this host (repeatable)", collect, [])
    .option("--default-iface <name>", "the external interface (default eth0)")
    .option("--fix-proofs <n>", "prove and list fixes for at most N findings (each proof re-runs the engine; 0 lists none)", (v: string) => {
      if (!/^\d+$/.test(v)) throw new UsageError(`--fix-proofs takes a whole number, not '${v}'`);
      return Number(v);
    }, 10)
    .option("--baseline <file>", "report only findings that this baseline does not already hold")
    .option("--write-baseline <file>", "record the current findings as the baseline, and exit 0")
    .addHelpText(
      "after",
      `
Exit codes: 0 no findings at or above --fail-on, 1 there are, 2 usage or input error.

Examples:
  dockwall lint rules.v4                          text report with the dump's own lines
  sudo iptables-save | dockwall lint              the live rules, from a pipe
  sudo dockwall lint --live                       both families (and legacy tables if present)
  dockwall lint rules.v4 --ip6 rules.v6           IPv4 and IPv6 of one host together
  dockwall lint rules.v4 --format sarif > dockwall.sarif
  dockwall lint rules.v4 --write-baseline .dockwall-baseline.json
  dockwall lint rules.v4 --baseline .dockwall-baseline.json   fail only on new findings`,
    )
    .action(async (files: string[], o: LintCliOptions) => {
      if (o.live && (files.length || o.ip6)) throw new UsageError("--live reads the host itself: give no files and no --ip6 with it");
      if (o.baseline && o.writeBaseline) throw new UsageError("use --baseline or --write-baseline, not both");
      const cfg = config(o);
      const host = { ifaces: o.iface, hostAddrs: o.hostAddr, ...(o.defaultIface ? { defaultIface: o.defaultIface } : {}) };
      setHostOptions(host);
      let baseline;
      if (o.baseline) {
        if (!existsSync(o.baseline)) throw new UsageError(`${o.baseline}: no such file (create it with --write-baseline)`);
        try {
          baseline = parseBaseline(readFileSync(o.baseline, "utf8"), o.baseline);
        } catch (e) {
          if (e instanceof BaselineError) throw new UsageError(e.message);
          throw e;
        }
      }
      const targets = o.live ? await liveTargets() : fileTargets(files, o.ip6);
      const result = lint(targets, { config: cfg });
      // the fix proof must model the same host as the findings did
      const t0 = PROFILE ? profileStart() : undefined;
      attachFixes(result, targets, host, o.fixProofs);
      if (t0) process.stderr.write(`dockwall: fix proofs ${profileSince(t0)}\n`);
      let baselined;
      if (baseline) {
        const split = applyBaseline(result.findings, baseline);
        result.findings = split.fresh;
        baselined = split.known;
      }
      const out = formatReport(o.format, { result, ...(baselined ? { baselined } : {}), rules: RULES, toolVersion: VERSION }, { color: useColor(process.stdout) });
      const failOn = o.failOn ?? cfg.failOn ?? "warning";
      if (o.writeBaseline) {
        writeFileSync(o.writeBaseline, serializeBaseline(result.findings));
        process.stderr.write(`dockwall: wrote ${result.findings.length} finding(s) to the baseline ${o.writeBaseline}\n`);
      }
      process.stdout.write(out);
      process.exitCode = !o.writeBaseline && failing(result.findings, failOn).length > 0 ? 1 : 0;
    });
}
