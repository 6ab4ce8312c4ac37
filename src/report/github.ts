// `--format github`: GitHub Actions workflow commands, which the runner turns
// into annotations on the changed file. Escaping follows the runner's rules
// (actions/toolkit command.ts): data escapes % CR LF, properties also : and ,.
import type { Finding, Severity } from "../lint/types.js";
import { counts, plural, type ReportInput } from "./model.js";

const LEVEL: ReadonlyMap<Severity, string> = new Map([
  ["error", "error"],
  ["warning", "warning"],
  ["info", "notice"],
]);

export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function annotation(f: Finding): string {
  const props = [
    `file=${escapeProperty(f.location.file)}`,
    `line=${f.location.line}`,
    `col=${f.location.column}`,
    `title=${escapeProperty(`${f.id} ${f.name}`)}`,
  ];
  const lines = [f.message];
  for (const r of f.related) lines.push(`${r.role}: ${r.file}:${r.line}`);
  if (f.witness) lines.push(`witness: ${f.witness.outcome}`, `reproduce: ${f.witness.traceCommand}`);
  return `::${LEVEL.get(f.severity)} ${props.join(",")}::${escapeData(lines.join("\n"))}`;
}

export function formatGithub(input: ReportInput): string {
  const out = input.result.findings.map(annotation);
  const c = counts(input);
  out.push(`dockwall: ${plural(c.error, "error")}, ${plural(c.warning, "warning")}, ${c.info} info (${c.suppressed} suppressed, ${c.baselined} in baseline)`);
  return out.join("\n") + "\n";
}
