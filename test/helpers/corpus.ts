// The rulesets the round-trip tests run over: the project's fixtures, the
// hand-written torture files, and Docker's golden dumps from ../shared when present.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Family } from "../../src/syntax/ast.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const sharedDir = path.resolve(repoRoot, "../shared");
export const goldenDir = path.join(sharedDir, "docker-golden/iptables");

export interface CorpusFile {
  /** Path relative to the repository (or `shared/...`), for test names. */
  name: string;
  path: string;
  /** From the file name when it says (`__ip6tables`, `.v6`); otherwise left to detection. */
  family?: Family;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (!/\.(md|json|ts|nft|txt)$/.test(e)) out.push(p);
  }
  return out;
}

export function familyFromName(p: string): Family | undefined {
  if (/ip6tables|\.v6$|rules6|ipv6/i.test(path.basename(p))) return "ipv6";
  if (/__iptables|\.v4$/.test(path.basename(p))) return "ipv4";
  return undefined;
}

function entry(p: string, base: string, prefix = ""): CorpusFile {
  const fam = familyFromName(p);
  return { name: prefix + path.relative(base, p), path: p, ...(fam ? { family: fam } : {}) };
}

/**
 * Every fixture that is meant to parse. fixtures/bad/ holds deliberately broken dumps,
 * some of which the kernel accepts while dockwall refuses them on purpose (each says why
 * in its header), so they belong to the error tests, not the round trips.
 */
export function fixtureFiles(): CorpusFile[] {
  const bad = path.join(repoRoot, "fixtures", "bad") + path.sep;
  return walk(path.join(repoRoot, "fixtures"))
    .filter((p) => !p.startsWith(bad))
    .map((p) => entry(p, repoRoot));
}

export function tortureFiles(): CorpusFile[] {
  return ["torture.v4", "torture.v6"].map((f) => entry(path.join(repoRoot, "test/extensions", f), repoRoot));
}

/** Docker's golden dumps; empty when ../shared is absent. */
export function goldenFiles(): CorpusFile[] {
  return walk(goldenDir).map((p) => entry(p, sharedDir, "shared/"));
}

export const read = (f: CorpusFile) => readFileSync(f.path, "utf8");
