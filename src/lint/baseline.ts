// Baselines let CI adopt dockwall on an old ruleset and fail only on new
// findings. Findings are identified by rule id + table + chain + the rule's
// canonical text (never line numbers, which shift with every edit), counted
// as a multiset so that a second identical finding is still new.
import { createHash } from "node:crypto";
import type { Finding } from "./types.js";

export const BASELINE_VERSION = 1;

export interface Baseline {
  version: 1;
  /** fingerprint -> how many findings had it. */
  fingerprints: Map<string, number>;
}

export function fingerprint(parts: readonly string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);
}

export function makeBaseline(findings: readonly Finding[]): Baseline {
  const fingerprints = new Map<string, number>();
  for (const f of findings) fingerprints.set(f.fingerprint, (fingerprints.get(f.fingerprint) ?? 0) + 1);
  return { version: 1, fingerprints };
}

/** The file form: sorted so that a rewritten baseline diffs cleanly in git. */
export function serializeBaseline(findings: readonly Finding[]): string {
  const entries = new Map<string, { fingerprint: string; id: string; chain: string; count: number; message: string }>();
  for (const f of findings) {
    const e = entries.get(f.fingerprint);
    if (e) e.count++;
    else entries.set(f.fingerprint, { fingerprint: f.fingerprint, id: f.id, chain: f.chain ?? "", count: 1, message: f.message });
  }
  const list = [...entries.values()].sort((a, b) => (a.id + a.fingerprint < b.id + b.fingerprint ? -1 : 1));
  return JSON.stringify({ version: BASELINE_VERSION, tool: "dockwall", findings: list }, null, 2) + "\n";
}

export class BaselineError extends Error {}

export function parseBaseline(text: string, file: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BaselineError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const obj = raw as { version?: unknown; findings?: unknown };
  if (typeof raw !== "object" || raw === null || obj.version !== BASELINE_VERSION || !Array.isArray(obj.findings))
    throw new BaselineError(`${file}: not a dockwall baseline (expected {"version": 1, "findings": [...]}, as written by --write-baseline)`);
  const fingerprints = new Map<string, number>();
  for (const [i, f] of obj.findings.entries()) {
    const e = f as { fingerprint?: unknown; count?: unknown };
    if (typeof e?.fingerprint !== "string" || (e.count !== undefined && (typeof e.count !== "number" || e.count < 1)))
      throw new BaselineError(`${file}: findings[${i}] needs a "fingerprint" string and a positive "count"`);
    fingerprints.set(e.fingerprint, (fingerprints.get(e.fingerprint) ?? 0) + ((e.count as number | undefined) ?? 1));
  }
  return { version: 1, fingerprints };
}

/** Splits findings into those the baseline already knows and the new ones. */
export function applyBaseline(findings: readonly Finding[], baseline: Baseline): { fresh: Finding[]; known: Finding[] } {
  const left = new Map(baseline.fingerprints);
  const fresh: Finding[] = [];
  const known: Finding[] = [];
  for (const f of findings) {
    const n = left.get(f.fingerprint) ?? 0;
    if (n > 0) {
      left.set(f.fingerprint, n - 1);
      known.push(f);
    } else fresh.push(f);
  }
  return { fresh, known };
}
