// What every report format receives: the lint result plus the catalogue and
// the tool's identity. Formatters return the whole output as one string, so
// the CLI writes nothing until everything is computed.
import type { LintResult } from "../lint/run.js";
import type { Finding, LintRule, Severity } from "../lint/types.js";

export interface ReportInput {
  result: LintResult;
  /** Findings a baseline already knew: not shown, but counted. */
  baselined?: Finding[];
  rules: readonly LintRule[];
  toolVersion: string;
}

export interface Counts {
  error: number;
  warning: number;
  info: number;
  suppressed: number;
  baselined: number;
}

export function counts(input: ReportInput): Counts {
  const c: Counts = { error: 0, warning: 0, info: 0, suppressed: input.result.suppressed.length, baselined: input.baselined?.length ?? 0 };
  for (const f of input.result.findings) c[f.severity]++;
  return c;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export const SEVERITY_WORD: ReadonlyMap<Severity, string> = new Map([
  ["error", "error"],
  ["warning", "warning"],
  ["info", "info"],
]);
