// Unified diffs between two renderings of a ruleset (the canonical original
// and the patched dump), as `diff -u` and `git apply` read them.
import { createTwoFilesPatch } from "diff";

export function unifiedDiff(oldName: string, newName: string, oldText: string, newText: string, context = 3): string {
  if (oldText === newText) return "";
  return createTwoFilesPatch(oldName, newName, oldText, newText, undefined, undefined, { context }).replace(/^=+\n/m, "");
}
