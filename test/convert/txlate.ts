// netfilter's own translation suite (extensions/*.txlate, via
// ../shared/conformance/txlate-cases.json), run through dockwall's parser and
// nft printer. Shared by the conformance test and the differences report.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findTarget, parse } from "../../src/extensions/index.js";
import type { NftSetDecl } from "../../src/extensions/types.js";
import { setDeclText, xlateRule, type RuleEnv } from "../../src/emit/nft.js";
import { BUILTIN_CHAINS, STANDARD_TARGETS, type Family } from "../../src/syntax/ast.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CASES_FILE = path.resolve(repoRoot, "../shared/conformance/txlate-cases.json");
export const sharedPresent = existsSync(CASES_FILE);

export interface TxlateCase {
  id: string;
  cmd: string;
  expected: string[];
  family: string;
  tool: string;
  active: boolean;
}

export function loadCases(): TxlateCase[] {
  const all = (JSON.parse(readFileSync(CASES_FILE, "utf8")) as { cases: TxlateCase[] }).cases;
  return all.filter((c) => c.active && (c.tool === "iptables-translate" || c.tool === "ip6tables-translate"));
}

const norm = (s: string) => s.replace(/\s+/g, " ").trim();

/** The `nft ...` lines dockwall prints for one iptables-translate command line, or why it cannot. */
export function translateCommand(c: TxlateCase): string[] | { error: string } {
  const family: Family = c.tool === "iptables-translate" ? "ipv4" : "ipv6";
  const nftFamily = family === "ipv4" ? "ip" : "ip6";
  let rest = c.cmd.slice(c.tool.length).trim();
  let table = "filter";
  rest = rest.replace(/(^|\s)-t\s+(\S+)/, (_m, pre: string, t: string) => {
    table = t;
    return pre;
  });
  const m = /^\s*(-A|-I)\s+(\S+)(.*)$/.exec(rest);
  if (!m) return { error: `not a rule command: ${rest.trim()}` };
  const [, cmd, chain, spec] = m as unknown as [string, string, string, string];
  // the suite runs against a kernel that has the chains it names; a dump must declare them
  const declare = new Set<string>();
  if (!BUILTIN_CHAINS.get(table)?.includes(chain)) declare.add(chain);
  for (const j of spec.matchAll(/(?:^|\s)-[jg]\s+(\S+)/g)) {
    if (!STANDARD_TARGETS.has(j[1]!) && !findTarget(j[1]!, family)) declare.add(j[1]!);
  }
  const dumpText = `*${table}\n${[...declare].map((c) => `:${c} - [0:0]\n`).join("")}-A ${chain}${spec}\nCOMMIT\n`;
  let rule;
  try {
    const dump = parse(dumpText, { file: c.id, family });
    rule = dump.tables.get(table)!.chains.get(chain)!.rules[0]!;
  } catch (e) {
    return { error: `parse: ${(e as Error).message.split("\n")[0]}` };
  }
  const sets: { decl: NftSetDecl; name: string }[] = [];
  const counters = new Map<string, number>();
  const env: RuleEnv = {
    family,
    nftFamily,
    chainName: (n) => n,
    declareSet: (decl) => {
      const n = counters.get(decl.name) ?? 0;
      counters.set(decl.name, n + 1);
      const name = decl.shared ? decl.name : `${decl.name}${n}`;
      sets.push({ decl, name });
      return name;
    },
  };
  const x = xlateRule(rule, env);
  if (!x.ok) return { error: x.reason };
  const out: string[] = [];
  for (const s of sets) {
    const body = setDeclText(s, "")
      .slice(1, -1)
      .map((l) => l.trim() + ";")
      .join(" ");
    out.push(`nft 'add set ${nftFamily} ${table} ${s.name} { ${body} }'`);
  }
  for (const b of x.bodies) out.push(`nft '${cmd === "-I" ? "insert" : "add"} rule ${nftFamily} ${table} ${chain} ${b}'`);
  return out;
}

export interface Outcome {
  c: TxlateCase;
  ok: boolean;
  got: string[] | { error: string };
}

export function runSuite(): Outcome[] {
  return loadCases().map((c) => {
    const got = translateCommand(c);
    const ok = Array.isArray(got) && got.length === c.expected.length && got.every((g, i) => norm(g) === norm(c.expected[i]!));
    return { c, ok, got };
  });
}
