// Suppressions that survive an iptables-save round trip: they live in the rule
// itself as `-m comment --comment "dockwall-ignore DW105: reason"`, which the
// kernel stores and iptables-save prints back (a `#` line would be lost).
import type { Rule } from "../syntax/ast.js";
import { comments } from "./structure.js";

export interface Suppression {
  ids: Set<string>;
  reason?: string;
}

const PATTERN = /^dockwall-ignore\s+((?:DW\d{3})(?:\s*,\s*DW\d{3})*)\s*(?::\s*(.*))?$/i;

/** The suppressions a rule's comments carry. */
export function suppressionsOf(rule: Rule): Suppression[] {
  const out: Suppression[] = [];
  for (const text of comments(rule)) {
    const m = PATTERN.exec(text.trim());
    if (!m) continue;
    const ids = new Set(m[1]!.split(",").map((s) => s.trim().toUpperCase()));
    const reason = m[2]?.trim();
    out.push(reason ? { ids, reason } : { ids });
  }
  return out;
}

/** True when the text looks like a suppression but does not parse: worth a warning. */
export function malformedSuppression(text: string): boolean {
  return /^dockwall-ignore\b/i.test(text.trim()) && !PATTERN.test(text.trim());
}
