// What to run on a live host to apply fixes: iptables commands (one per edit,
// and an idempotent shell script of them) or a standalone nft ruleset. Also
// the Fix objects that lint findings list.
//
// Order never opens a window of exposure: chains of the fix are created and
// filled before anything jumps to them, and rules are inserted before any
// rule they replace is deleted.
import type { Family, Rule } from "../syntax/ast.js";
import type { Fix } from "../lint/types.js";
import type { Edit, FixPlan, NftChain, Verified } from "../fix/index.js";
import { xlateRule } from "./nft.js";
import { printRuleBody } from "./save.js";
import { quotedWords } from "../syntax/grammar.js";

const SAFE_WORD = /^(?:[A-Za-z0-9_@%+=:,./-]+|!)$/;

/** A word for sh: as is when safe, else in single quotes. */
export function shellQuote(w: string): string {
  return SAFE_WORD.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The argv words of a rule body as iptables-save prints it (double-quoted strings with \-escapes). */
export function ruleWords(r: Rule, family: Family): string[] {
  const body = printRuleBody(r, family);
  return quotedWords(body).map((w) => w.text);
}

const tool = (family: Family) => (family === "ipv6" ? "ip6tables" : "iptables");

interface Step {
  /** The change, in plain iptables words. */
  argv: string[];
  /** The idempotent shell line. */
  sh: string;
}

/**
 * The edits as iptables steps, in an order that never opens a window: new
 * chains, their rules, inserts into existing chains, then deletes.
 */
function steps(edits: readonly Edit[], family: Family): Step[] {
  const t = tool(family);
  const q = (argv: string[]) => argv.map(shellQuote).join(" ");
  const out: Step[] = [];
  const ours = new Set(edits.filter((e) => e.kind === "chain").map((e) => `${e.table}\u0000${e.chain}`));
  for (const e of edits) {
    if (e.kind !== "chain") continue;
    const argv = [t, "-t", e.table, "-N", e.chain];
    out.push({ argv, sh: `${q([t, "-t", e.table, "-n", "-L", e.chain])} >/dev/null 2>&1 || ${q(argv)}` });
  }
  const inserts = edits.filter((e): e is Extract<Edit, { kind: "insert" }> => e.kind === "insert");
  for (const e of inserts) {
    if (!ours.has(`${e.table}\u0000${e.chain}`)) continue;
    const words = ruleWords(e.rule, family);
    const argv = [t, "-t", e.table, "-A", e.chain, ...words];
    out.push({ argv, sh: `${q([t, "-t", e.table, "-C", e.chain, ...words])} 2>/dev/null || ${q(argv)}` });
  }
  // positions in the chain as the dump shows it, shifted by our own earlier inserts
  const shift = new Map<string, number[]>();
  for (const e of inserts) {
    const key = `${e.table}\u0000${e.chain}`;
    if (ours.has(key)) continue;
    const earlier = shift.get(key) ?? [];
    const pos = e.index + earlier.filter((i) => i <= e.index).length + 1;
    earlier.push(e.index);
    shift.set(key, earlier);
    const words = ruleWords(e.rule, family);
    const argv = [t, "-t", e.table, "-I", e.chain, String(pos), ...words];
    out.push({ argv, sh: `${q([t, "-t", e.table, "-C", e.chain, ...words])} 2>/dev/null || ${q(argv)}` });
  }
  for (const e of edits) {
    if (e.kind !== "delete") continue;
    const words = ruleWords(e.rule, family);
    const argv = [t, "-t", e.table, "-D", e.chain, ...words];
    out.push({ argv, sh: `! ${q([t, "-t", e.table, "-C", e.chain, ...words])} 2>/dev/null || ${q(argv)}` });
  }
  return out;
}

/** The commands of one plan, as a person would type them. */
export function fixCommands(plan: FixPlan, family: Family): string[] {
  if (plan.nft) return [];
  return steps(plan.edits, family).map((s) => s.argv.map(shellQuote).join(" "));
}

/** An idempotent `sh` script applying the plans to a live host. */
export function fixScript(plans: readonly FixPlan[], family: Family, source: string): string {
  const lines = [
    "#!/bin/sh",
    `# dockwall fix for ${source}: run as root on the host the dump came from.`,
    "# Safe to run again: each change is checked (-C) before it is made.",
    "# Positions assume the live chains still match the dump.",
    "set -e",
  ];
  for (const p of plans) {
    lines.push("", `# ${p.finding.id} (${p.finding.location.file}:${p.finding.location.line}) ${p.name}`);
    for (const d of wrap(p.description, 76)) lines.push(`#   ${d}`);
    for (const s of steps(p.edits, family)) lines.push(s.sh);
  }
  return lines.join("\n") + "\n";
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

// ------------------------------------------------------------------ nft

export const NFT_TABLE = "dockwall";

function nftChainName(c: NftChain): string {
  return c.name;
}

/** nft rule bodies of one chain of ours (in table inet dockwall). */
function nftRules(c: NftChain, family: Family, names: Map<string, string>): string[] {
  const out: string[] = [];
  const nfproto = family === "ipv6" ? "meta nfproto ipv6" : "meta nfproto ipv4";
  for (const r of c.rules) {
    const x = xlateRule(r, {
      family,
      nftFamily: "inet",
      chainName: (ch) => names.get(ch),
      declareSet: () => {
        throw new Error("a fix rule needs an nft set");
      },
    });
    if (!x.ok) throw new Error(`fix rule has no nft form: ${x.reason}`);
    // the table is inet: keep every rule to the dump's family
    for (const b of x.bodies) out.push(`${nfproto} ${b}`);
  }
  return out;
}

function mergedChains(plans: readonly FixPlan[]): NftChain[] {
  const chains = new Map<string, NftChain>();
  for (const p of plans) {
    for (const c of p.nft?.chains ?? []) {
      const had = chains.get(c.name);
      if (had) had.rules.push(...c.rules);
      else chains.set(c.name, { ...c, rules: [...c.rules] });
    }
  }
  return [...chains.values()];
}

/**
 * A standalone ruleset: `table inet dockwall`, replaced as a whole when run
 * again (create, delete, create), next to Docker's and iptables-nft's tables.
 */
export function fixNft(plans: readonly FixPlan[], family: Family, source: string): string {
  const chains = mergedChains(plans);
  const names = new Map(chains.filter((c) => c.iptables).map((c) => [c.iptables!, nftChainName(c)]));
  const lines = [
    "#!/usr/sbin/nft -f",
    `# dockwall fix for ${source}: load with nft -f; running it again replaces the table.`,
    ...plans.flatMap((p) => [`# ${p.finding.id} (${p.finding.location.file}:${p.finding.location.line}) ${p.name}:`, ...wrap(p.description, 76).map((d) => `#   ${d}`)]),
    `table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
  ];
  // regular chains first: nft wants a chain declared before a jump to it
  const ordered = [...chains.filter((c) => !c.base), ...chains.filter((c) => c.base)];
  for (const c of ordered) {
    lines.push(`\tchain ${nftChainName(c)} {`);
    if (c.base) lines.push(`\t\ttype filter hook ${c.base.hook} priority ${c.base.priority}; policy accept;`);
    for (const r of nftRules(c, family, names)) lines.push(`\t\t${r}`);
    lines.push("\t}");
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** The same rules for iptables-nft users who edit with nft: `nft insert/add rule ip TABLE CHAIN ...`. */
function nftCommands(plan: FixPlan, family: Family): string {
  const fam = family === "ipv6" ? "ip6" : "ip";
  const out: string[] = [];
  for (const e of plan.edits) {
    if (e.kind === "chain") out.push(`nft add chain ${fam} ${e.table} ${e.chain}`);
    else if (e.kind === "insert") {
      const x = xlateRule(e.rule, { family, nftFamily: fam, chainName: (c) => c, declareSet: () => "" });
      if (!x.ok) return `(no nft form: ${x.reason})`;
      const verb = e.index === 0 ? "insert" : "add";
      for (const b of x.bodies) out.push(`nft ${verb} rule ${fam} ${e.table} ${e.chain} ${b}`);
    } else out.push(`nft delete rule ${fam} ${e.table} ${e.chain} handle <handle of line ${e.rule.span.line}>`);
  }
  return out.join("\n");
}

/** What a lint finding lists for one proved (or failed) fix. */
export function toFix(v: Verified, family: Family): Fix {
  const p = v.plan;
  return {
    strategy: p.name,
    description: p.description,
    iptables: fixCommands(p, family),
    nft: p.nft ? fixNft([p], family, p.finding.location.file).replace(/^#.*\n/gm, "").trimEnd() : nftCommands(p, family),
    verification: { status: v.status, detail: v.detail },
  };
}
