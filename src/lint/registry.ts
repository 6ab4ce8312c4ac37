// The catalogue: every lint rule, in id order. A new rule gets a folder under
// src/lint/rules/<name>/ (index.ts, README.md, <name>.test.ts) and a line here.
import type { LintRule } from "./types.js";
import { legacyNftSplit } from "./rules/legacy-nft-split/index.js";
import { dockerUserNotWired } from "./rules/docker-user-not-wired/index.js";
import { duplicateRule } from "./rules/duplicate-rule/index.js";
import { undefinedChain } from "./rules/undefined-chain/index.js";
import { unreferencedChain } from "./rules/unreferenced-chain/index.js";
import { deprecatedStateMatch } from "./rules/deprecated-state-match/index.js";

export const RULES: readonly LintRule[] = [
  dockerUserNotWired,
  legacyNftSplit,
  duplicateRule,
  undefinedChain,
  unreferencedChain,
  deprecatedStateMatch,
].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1));

/** Rule id and name (either spelling) -> id. */
export const RULE_IDS: ReadonlyMap<string, string> = new Map(RULES.flatMap((r) => [[r.meta.id, r.meta.id], [r.meta.name, r.meta.id]] as const));

export function findRule(idOrName: string): LintRule | undefined {
  const id = RULE_IDS.get(idOrName) ?? RULE_IDS.get(idOrName.toUpperCase());
  return RULES.find((r) => r.meta.id === id);
}
