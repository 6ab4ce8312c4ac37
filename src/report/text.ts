// `--format text`: for people at a terminal. Each finding shows the dump's own
// lines (primary underlined with ^, related ones with - and their role), the
// witness packet with the trace command that replays it, and proposed fixes.
import { Chalk, type ChalkInstance } from "chalk";
import type { Finding, SourceLocation, Subject } from "../lint/types.js";
import { sourceLine } from "./diagnostics.js";
import { counts, plural, type ReportInput } from "./model.js";

export interface TextOptions {
  color: boolean;
}

function frameLine(c: ChalkInstance, gutter: number, loc: SourceLocation, subject: Subject | undefined, mark: string, label: string, paint: (s: string) => string): string[] {
  const text = subject ? sourceLine(subject.dump.source.charCodeAt(0) === 0xfeff ? subject.dump.source.slice(1) : subject.dump.source, loc.line) : "";
  const num = String(loc.line).padStart(gutter);
  if (!text) return [`  ${c.dim(`${num} |`)} ${c.dim("(line not available)")} ${label}`];
  const start = Math.max(0, loc.column - 1);
  const end = Math.min(text.length, Math.max(start + 1, (loc.endColumn ?? text.length + 1) - 1));
  const pad = text.slice(0, start).replace(/[^\t]/g, " ");
  return [`  ${c.dim(`${num} |`)} ${text}`, `  ${" ".repeat(gutter)} ${c.dim("|")} ${pad}${paint(mark.repeat(end - start))}${label ? " " + paint(label) : ""}`];
}

function formatFinding(c: ChalkInstance, f: Finding): string {
  const sev = f.severity === "error" ? c.red.bold("error") : f.severity === "warning" ? c.yellow.bold("warning") : c.blue.bold("info");
  const out = [`${c.bold(`${f.location.file}:${f.location.line}:${f.location.column}:`)} ${sev} ${c.bold(f.id)} ${c.dim(f.name)}: ${f.message}`];
  const gutter = Math.max(String(f.location.line).length, ...f.related.map((r) => String(r.line).length));
  const paint = f.severity === "error" ? c.red : f.severity === "warning" ? c.yellow : c.blue;
  out.push(...frameLine(c, gutter, f.location, f.subject, "^", "", paint));
  for (const r of f.related) {
    if (r.file !== f.location.file) out.push(`  ${c.dim(`--> ${r.file}`)}`);
    out.push(...frameLine(c, gutter, r, r.subject, "-", r.role, c.cyan));
  }
  if (f.witness) {
    const w = f.witness;
    const ports = (addr: string, port?: number) => (port === undefined ? addr : w.family === "ipv6" ? `[${addr}]:${port}` : `${addr}:${port}`);
    out.push(`  ${c.bold("witness:")} ${w.proto} ${ports(w.src, w.sport)} -> ${ports(w.dst, w.dport)}${w.iif ? ` in on ${w.iif}` : ""}: ${w.outcome}`);
    out.push(`  ${c.bold("replay:")}  ${w.traceCommand}`);
  }
  for (const fix of f.fixes) {
    out.push(`  ${c.green.bold("fix")} ${c.green(`(${fix.strategy}, ${fix.verification.status})`)}: ${fix.description}`);
    for (const line of fix.iptables) out.push(`      ${line}`);
    if (fix.nft) out.push(`      ${c.dim("nft:")} ${fix.nft.split("\n").join("\n           ")}`);
  }
  if (f.fixNote) out.push(`  ${c.bold("fixes:")} ${f.fixNote}`);
  out.push(`  ${c.dim(`docs: dockwall explain ${f.id}`)}`);
  return out.join("\n");
}

export function formatText(input: ReportInput, opts: TextOptions): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const parts = input.result.findings.map((f) => formatFinding(c, f));
  const n = counts(input);
  const extra = [n.suppressed ? `${n.suppressed} suppressed` : "", n.baselined ? `${n.baselined} in baseline` : ""].filter(Boolean);
  const total = n.error + n.warning + n.info;
  const summary =
    total === 0
      ? c.green(`no findings${extra.length ? ` (${extra.join(", ")})` : ""}`)
      : `${plural(n.error, "error")}, ${plural(n.warning, "warning")}, ${n.info} info${extra.length ? ` (${extra.join(", ")})` : ""}`;
  parts.push(summary);
  return parts.join("\n\n") + "\n";
}
