// `--format json`: a versioned, documented schema (README, "JSON output").
// Only plain data: no AST nodes, no Maps.
import type { Finding, Fix, Witness } from "../lint/types.js";
import { counts, type ReportInput } from "./model.js";

export const LINT_JSON_VERSION = 1;

export interface FindingJson {
  id: string;
  name: string;
  severity: string;
  message: string;
  location: { file: string; line: number; column: number };
  related: { file: string; line: number; column: number; role: string }[];
  witness: Witness | null;
  fixes: Fix[];
  fixNote?: string;
  fingerprint: string;
}

export function findingToJson(f: Finding): FindingJson {
  return {
    id: f.id,
    name: f.name,
    severity: f.severity,
    message: f.message,
    location: { file: f.location.file, line: f.location.line, column: f.location.column },
    related: f.related.map((r) => ({ file: r.file, line: r.line, column: r.column, role: r.role })),
    witness: f.witness ?? null,
    fixes: f.fixes,
    ...(f.fixNote ? { fixNote: f.fixNote } : {}),
    fingerprint: f.fingerprint,
  };
}

export function formatJson(input: ReportInput): string {
  const c = counts(input);
  const doc = {
    version: LINT_JSON_VERSION,
    tool: { name: "dockwall", version: input.toolVersion },
    findings: input.result.findings.map(findingToJson),
    suppressed: input.result.suppressed.map((s) => ({ ...findingToJson(s.finding), suppression: { by: s.by, reason: s.reason ?? null } })),
    summary: c,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
