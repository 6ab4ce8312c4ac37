// Runs the rules over one host's dumps and turns their drafts into Findings:
// locations, fingerprints, configured severities, and suppressions (rule
// comments and config `ignore` entries) applied.
import type { Dump, Span } from "../syntax/ast.js";
import { ruleKey } from "../syntax/build.js";
import { fingerprint } from "./baseline.js";
import { DEFAULT_CONFIG, type LintConfig } from "./config.js";
import { makeContext } from "./context.js";
import { RULES } from "./registry.js";
import { PROFILE, profileSince, profileStart } from "./profile.js";
import { suppressionsOf } from "./suppress.js";
import { SEVERITY_RANK, type Finding, type FindingDraft, type LintRule, type RelatedLocation, type SourceLocation, type Subject } from "./types.js";

/** One host: its IPv4 or IPv6 dump, and optionally the other family's. */
export interface LintTarget {
  dump: Dump;
  peer?: Dump;
}

export interface SuppressedFinding {
  finding: Finding;
  by: "comment" | "config";
  reason?: string;
}

export interface LintResult {
  findings: Finding[];
  suppressed: SuppressedFinding[];
}

export interface LintOptions {
  config?: LintConfig;
  /** Defaults to the whole catalogue. */
  rules?: readonly LintRule[];
}

export function lint(targets: readonly LintTarget[], opts: LintOptions = {}): LintResult {
  const config = opts.config ?? DEFAULT_CONFIG;
  const rules = (opts.rules ?? RULES).filter((r) => config.rules.get(r.meta.id) !== "off");
  const result: LintResult = { findings: [], suppressed: [] };
  for (const t of targets) {
    const ctx = makeContext(t.dump, t.peer);
    for (const rule of rules) {
      if (rule.meta.needsPair && !t.peer) continue;
      const t0 = PROFILE ? profileStart() : undefined;
      rule.check(ctx, (draft) => {
        const f = toFinding(rule, draft, config);
        const s = suppression(f, draft, config);
        if (s) result.suppressed.push({ finding: f, ...s });
        else result.findings.push(f);
      });
      if (t0) process.stderr.write(`dockwall: ${rule.meta.id} ${profileSince(t0)}\n`);
    }
  }
  result.findings.sort(compareFindings);
  return result;
}

export function compareFindings(a: Finding, b: Finding): number {
  if (a.location.file !== b.location.file) return a.location.file < b.location.file ? -1 : 1;
  return a.location.line - b.location.line || a.location.column - b.location.column || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function spanOf(s: Subject): Span {
  if (s.span) return s.span;
  if (s.rule) return s.rule.span;
  const table = s.dump.tables.get(s.table);
  const chain = table?.chains.get(s.chain);
  return chain?.declared ?? table?.span ?? { line: 1, col: 1, endCol: 1 };
}

export function locationOf(s: Subject): SourceLocation {
  const span = spanOf(s);
  return { file: s.dump.file, line: span.line, column: span.col, endColumn: span.endCol };
}

/** The text that identifies a subject independently of where it sits in the file. */
function subjectText(s: Subject): string {
  if (s.rule) return ruleKey(s.rule);
  // a line that is not a rule (a comment): the draft's key names it
  if (s.span) return "";
  return `:${s.chain}`;
}

function toFinding(rule: LintRule, d: FindingDraft, config: LintConfig): Finding {
  const configured = config.rules.get(rule.meta.id);
  const related: RelatedLocation[] = (d.related ?? []).map((r) => ({ ...locationOf(r.at), role: r.role, subject: r.at }));
  const f: Finding = {
    id: rule.meta.id,
    name: rule.meta.name,
    severity: configured && configured !== "off" ? configured : rule.meta.severity,
    message: d.message,
    location: locationOf(d.at),
    related,
    fixes: [],
    fingerprint: fingerprint([rule.meta.id, d.at.dump.family, d.at.table, d.at.chain, subjectText(d.at), d.key ?? ""]),
    subject: d.at,
  };
  if (d.at.table) f.table = d.at.table;
  if (d.at.chain) f.chain = d.at.chain;
  if (d.witness) f.witness = d.witness;
  return f;
}

function suppression(f: Finding, d: FindingDraft, config: LintConfig): Omit<SuppressedFinding, "finding"> | undefined {
  // A comment on any rule the finding names counts: Docker rewrites its own
  // rules, so users can only mark the ones they own.
  const subjects = [d.at, ...(d.related ?? []).map((r) => r.at)];
  for (const s of subjects) {
    const rules = s.rule ? [s.rule] : s.span ? [] : (s.dump.tables.get(s.table)?.chains.get(s.chain)?.rules ?? []);
    for (const r of rules) {
      for (const sup of suppressionsOf(r)) {
        if (sup.ids.has(f.id)) return sup.reason ? { by: "comment", reason: sup.reason } : { by: "comment" };
      }
    }
  }
  for (const e of config.ignore) {
    if (e.rule !== f.id) continue;
    if (e.table !== undefined && e.table !== f.table) continue;
    if (e.chain !== undefined && e.chain !== f.chain) continue;
    return e.reason ? { by: "config", reason: e.reason } : { by: "config" };
  }
  return undefined;
}

/** Findings at or above the threshold (none: never). */
export function failing(findings: readonly Finding[], failOn: "error" | "warning" | "info" | "none"): Finding[] {
  if (failOn === "none") return [];
  const min = SEVERITY_RANK.get(failOn)!;
  return findings.filter((f) => SEVERITY_RANK.get(f.severity)! >= min);
}
