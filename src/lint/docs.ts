// Each rule's docs page is the README.md in its folder. The package ships those
// files (package.json "files"), so they are read from disk: next to this module
// when running from source, under ../src/lint/rules from the dist/cli.js bundle.
import { readFileSync } from "node:fs";
import type { RuleMeta } from "./types.js";

const CANDIDATES = ["./rules/", "../src/lint/rules/", "../../src/lint/rules/"];

/** The rule's docs page (markdown), or undefined when the package lacks it. */
export function ruleDocs(meta: RuleMeta): string | undefined {
  for (const base of CANDIDATES) {
    try {
      return readFileSync(new URL(`${base}${meta.name}/README.md`, import.meta.url), "utf8");
    } catch {
      // try the next layout
    }
  }
  return undefined;
}

/** Where the page lives in the repository, for links in reports. */
export function ruleDocsPath(meta: RuleMeta): string {
  return `src/lint/rules/${meta.name}/README.md`;
}
