// The contract between lint rules, the fix builders (src/fix/) and the report
// formatters (src/report/). A rule reports FindingDrafts; the runner turns them
// into Findings (location text, fingerprint, configured severity) and drops the
// suppressed ones. Serialised shapes are versioned in report/json.ts.
import type { Dump, Family, Rule, Span } from "../syntax/ast.js";
import type { LintContext } from "./context.js";

export type Severity = "error" | "warning" | "info";
export const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/** Higher is worse; used for --fail-on and for sorting. */
export const SEVERITY_RANK: ReadonlyMap<Severity, number> = new Map([
  ["info", 1],
  ["warning", 2],
  ["error", 3],
]);

export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Exclusive end column on the same line, when known. */
  endColumn?: number;
}

/** What a dump line means to a finding, so that fix builders can work on the AST. */
export interface Subject {
  dump: Dump;
  table: string;
  chain: string;
  /** The rule, or undefined when the subject is the chain itself (its policy or declaration). */
  rule?: Rule;
  /** A line that is neither a rule nor a chain (a comment, a header); wins over the others. */
  span?: Span;
}

export interface RelatedLocation extends SourceLocation {
  /** Why this line matters, e.g. "DNAT rule", "INPUT rule meant to block". */
  role: string;
  /** Not serialised: the AST node behind the line. */
  subject?: Subject;
}

/** A concrete packet the engine proves takes the path the finding describes. */
export interface Witness {
  family: Family;
  proto: string;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** Interface the packet arrives on. */
  iif?: string;
  /** Plain words: what happens to it, e.g. "DNAT to 172.17.0.2:80, accepted in FORWARD". */
  outcome: string;
  /** A `dockwall trace` command line that replays this packet. */
  traceCommand: string;
}

export type FixVerification = "verified" | "failed" | "unverified";

/** A proposed change; built by src/fix/ and attached after linting. */
export interface Fix {
  /** Short machine name, e.g. "raw-drop", "docker-user-ctorig", "nat-return". */
  strategy: string;
  /** Plain words: what the change does and what it costs. */
  description: string;
  /** Commands in iptables syntax (`iptables -t raw -I PREROUTING ...`). */
  iptables: string[];
  /** The nft equivalent, when there is one. */
  nft?: string;
  verification: { status: FixVerification; detail?: string };
}

export interface Finding {
  id: string;
  name: string;
  severity: Severity;
  message: string;
  location: SourceLocation;
  related: RelatedLocation[];
  witness?: Witness;
  fixes: Fix[];
  /** Why `fixes` is empty when a fix may exist (its proof was not run, see `lint --fix-proofs`). */
  fixNote?: string;
  /** Identity that survives line-number changes: rule id + chain + rule text (see baseline.ts). */
  fingerprint: string;
  /** The table and chain the finding sits in (config `ignore` entries match on them). */
  table?: string;
  chain?: string;
  /** Not serialised: the AST node behind the primary location. */
  subject?: Subject;
}

/** What a rule reports; the runner fills in the rest. */
export interface FindingDraft {
  message: string;
  /** The primary line: a rule, or a chain (its `:CHAIN` line), in `dump`. */
  at: Subject;
  related?: { role: string; at: Subject }[];
  witness?: Witness;
  /**
   * Extra identity for the fingerprint when one primary line can carry several
   * findings of the same rule (e.g. one per bypassed DNAT): text, never line numbers.
   */
  key?: string;
}

export interface RuleMeta {
  id: string;
  /** Kebab-case name; also the folder name under src/lint/rules/. */
  name: string;
  severity: Severity;
  /** One line for `dockwall rules` and SARIF shortDescription. */
  summary: string;
  /** Needs the IPv6 dump paired with the IPv4 one (`--ip6`). */
  needsPair?: boolean;
}

export interface LintRule {
  meta: RuleMeta;
  check(ctx: LintContext, report: (d: FindingDraft) => void): void;
}
