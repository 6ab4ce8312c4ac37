// Rules that fixes add are written as iptables-save lines and read back with
// the project's own parser, so that they are checked and canonicalised exactly
// like the user's rules. Their spans get line numbers past the end of any dump
// (the engine names rules by line), unique across every fix of a run.
import { findTarget, parse } from "../extensions/index.js";
import { BUILTIN_CHAINS, STANDARD_TARGETS, type Dump, type Family, type Rule } from "../syntax/ast.js";

/** Lines of added rules start here, far beyond any real dump. */
const FIRST_LINE = 100_000_000;
let nextLine = FIRST_LINE;

/** Whether a rule was written by a fix rather than read from the dump. */
export function isAuthored(rule: Rule): boolean {
  return rule.span.line >= FIRST_LINE;
}

function shift(node: unknown, by: number): void {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const x of node) shift(x, by);
    return;
  }
  const o = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (k === "span" && v && typeof v === "object" && typeof (v as { line?: unknown }).line === "number") (v as { line: number }).line += by;
    else shift(v, by);
  }
}


/**
 * Parses `-A CHAIN ...` lines of one table. Chains named by `-A`, `-j` or `-g`
 * that are not built-in are declared, so jumps to chains of the fix resolve.
 * Throws (a bug of ours, not bad input) when a line does not parse.
 */
export function authorRules(family: Family, table: string, lines: readonly string[]): Rule[] {
  const builtins = BUILTIN_CHAINS.get(table) ?? [];
  const chains = new Set<string>();
  for (const l of lines) {
    const words = l.split(/\s+/);
    words.forEach((w, i) => {
      const next = words[i + 1];
      if (!next) return;
      if (w === "-A") chains.add(next);
      if ((w === "-j" || w === "-g") && !STANDARD_TARGETS.has(next) && !findTarget(next, family)) chains.add(next);
    });
  }
  const decl = [...chains].filter((c) => !builtins.includes(c)).map((c) => `:${c} - [0:0]`);
  const text = [`*${table}`, ...builtins.map((c) => `:${c} ACCEPT [0:0]`), ...decl, ...lines, "COMMIT", ""].join("\n");
  const dump: Dump = parse(text, { file: "<dockwall fix>", family });
  const rules: Rule[] = [];
  for (const ch of dump.tables.get(table)?.chains.values() ?? []) rules.push(...ch.rules);
  rules.sort((a, b) => a.span.line - b.span.line);
  const by = nextLine;
  nextLine += lines.length + 8;
  for (const r of rules) shift(r, by);
  return rules;
}

/** One rule; see authorRules. */
export function authorRule(family: Family, table: string, line: string): Rule {
  const [r] = authorRules(family, table, [line]);
  if (!r) throw new Error(`fix rule did not parse to a rule: ${line}`);
  return r;
}

/** A copy of a rule placed in another chain (a move), keeping its matches and target. */
export function moveRule(rule: Rule, chain: string): Rule {
  const copy = structuredClone(rule);
  copy.chain = chain;
  shift(copy, nextLine - copy.span.line);
  nextLine += 8;
  return copy;
}
