// Shared by the rule tests: lint a fixture (fixtures/lint/<rule>/<file>) or a
// literal dump with one rule, and return its findings.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "../../src/extensions/index.js";
import { lint, type LintResult } from "../../src/lint/run.js";
import type { Finding, LintRule } from "../../src/lint/types.js";
import type { Dump } from "../../src/syntax/ast.js";
import type { LintConfig } from "../../src/lint/config.js";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));

export function fixturePath(rel: string): string {
  return fileURLToPath(new URL(`../../fixtures/${rel}`, import.meta.url));
}

export function loadDump(rel: string, family?: "ipv4" | "ipv6"): Dump {
  return parse(readFileSync(fixturePath(rel), "utf8"), { file: `fixtures/${rel}`, ...(family ? { family } : {}) });
}

export function dumpOf(text: string, file = "test.rules", family?: "ipv4" | "ipv6"): Dump {
  return parse(text, { file, ...(family ? { family } : {}) });
}

export function run(rule: LintRule, dump: Dump, peer?: Dump, config?: LintConfig): LintResult {
  return lint([peer ? { dump, peer } : { dump }], { rules: [rule], ...(config ? { config } : {}) });
}

export function findings(rule: LintRule, dump: Dump, peer?: Dump): Finding[] {
  return run(rule, dump, peer).findings;
}

/** The dump lines (1-based) a finding names, primary first. */
export function lines(f: Finding): number[] {
  return [f.location.line, ...f.related.map((r) => r.line)];
}

/** Runs one rule on its trigger and clean fixtures (fixtures/lint/<name>/). */
export function triggerAndClean(rule: LintRule): { trigger: Finding[]; clean: Finding[]; dump: Dump } {
  const dump = loadDump(`lint/${rule.meta.name}/trigger.rules`);
  return { trigger: findings(rule, dump), clean: findings(rule, loadDump(`lint/${rule.meta.name}/clean.rules`)), dump };
}
