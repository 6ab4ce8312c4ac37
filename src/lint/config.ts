// .dockwall.json: turn rules off, change their severity, ignore findings by
// rule and chain, and set the failure threshold. Validated strictly: a typo in
// a config file that silently did nothing would hide findings in CI.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SEVERITIES, type Severity } from "./types.js";

export const CONFIG_FILE = ".dockwall.json";

export type FailOn = Severity | "none";
export const FAIL_ON: readonly FailOn[] = ["error", "warning", "info", "none"];

export interface IgnoreEntry {
  /** Rule id (DW105). */
  rule: string;
  table?: string;
  chain?: string;
  reason?: string;
}

export interface LintConfig {
  /** Where it came from, for messages; undefined for the built-in default. */
  file?: string;
  failOn?: FailOn;
  /** Rule id -> new severity, or "off". */
  rules: Map<string, Severity | "off">;
  ignore: IgnoreEntry[];
}

export const DEFAULT_CONFIG: LintConfig = { rules: new Map(), ignore: [] };

export class ConfigError extends Error {
  constructor(
    public readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "ConfigError";
  }
}

/** The nearest .dockwall.json in `cwd` or a parent directory. */
export function findConfig(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const p = join(dir, CONFIG_FILE);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export function loadConfig(file: string, knownRules: ReadonlyMap<string, string>): LintConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(file, code === "ENOENT" ? "no such file" : `cannot read (${code ?? String(e)})`);
  }
  return parseConfig(text, file, knownRules);
}

function jsonErrorPosition(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return "";
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  const col = pos - before.lastIndexOf("\n");
  return `:${line}:${col}`;
}

/**
 * Parses and validates a config. `knownRules` maps every rule id and name to
 * its id, so users may write either.
 */
export function parseConfig(text: string, file: string, knownRules: ReadonlyMap<string, string>): LintConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = (e as Error).message;
    throw new ConfigError(file + jsonErrorPosition(text, msg), `not valid JSON: ${msg}`);
  }
  if (!isObject(raw)) throw new ConfigError(file, "the config must be a JSON object");
  const cfg: LintConfig = { file, rules: new Map(), ignore: [] };
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case "$schema":
      case "$comment":
        break;
      case "failOn":
        if (typeof value !== "string" || !(FAIL_ON as readonly string[]).includes(value))
          throw new ConfigError(file, `"failOn" must be one of ${FAIL_ON.join(", ")} (got ${JSON.stringify(value)})`);
        cfg.failOn = value as FailOn;
        break;
      case "rules":
        if (!isObject(value)) throw new ConfigError(file, `"rules" must be an object like {"DW104": "off", "DW112": "error"}`);
        for (const [name, sev] of Object.entries(value)) {
          const id = ruleId(name, knownRules, file, `"rules"`);
          if (typeof sev !== "string" || !([...SEVERITIES, "off"] as string[]).includes(sev))
            throw new ConfigError(file, `"rules"."${name}" must be "off", "error", "warning" or "info" (got ${JSON.stringify(sev)})`);
          cfg.rules.set(id, sev as Severity | "off");
        }
        break;
      case "ignore":
        if (!Array.isArray(value)) throw new ConfigError(file, `"ignore" must be an array of {"rule": "DW105", "chain": "FORWARD", "reason": "..."}`);
        value.forEach((entry, i) => cfg.ignore.push(ignoreEntry(entry, i, knownRules, file)));
        break;
      default:
        throw new ConfigError(file, `unknown key "${key}" (known: failOn, rules, ignore)`);
    }
  }
  return cfg;
}

function ignoreEntry(entry: unknown, i: number, knownRules: ReadonlyMap<string, string>, file: string): IgnoreEntry {
  const where = `"ignore"[${i}]`;
  if (!isObject(entry)) throw new ConfigError(file, `${where} must be an object with "rule" and optionally "table", "chain", "reason"`);
  const out: IgnoreEntry = { rule: "" };
  let sawRule = false;
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== "string" || v === "") throw new ConfigError(file, `${where}.${k} must be a non-empty string`);
    switch (k) {
      case "rule":
        out.rule = ruleId(v, knownRules, file, where);
        sawRule = true;
        break;
      case "table":
        if (!["raw", "mangle", "nat", "filter", "security"].includes(v)) throw new ConfigError(file, `${where}.table: unknown table "${v}"`);
        out.table = v;
        break;
      case "chain":
        out.chain = v;
        break;
      case "reason":
        out.reason = v;
        break;
      default:
        throw new ConfigError(file, `${where}: unknown key "${k}" (known: rule, table, chain, reason)`);
    }
  }
  if (!sawRule) throw new ConfigError(file, `${where} needs "rule" (an id such as "DW105")`);
  return out;
}

function ruleId(name: string, knownRules: ReadonlyMap<string, string>, file: string, where: string): string {
  const id = knownRules.get(name) ?? knownRules.get(name.toUpperCase());
  if (!id) throw new ConfigError(file, `${where}: unknown rule "${name}" (see 'dockwall rules')`);
  return id;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
