// The nft printer: a parsed dump as an `nft -f` script, one table per iptables
// table, base chains at the hooks and priorities iptables-nft uses, and each
// rule translated by the extension modules' `xlate` members.
//
// A rule that cannot be written exactly is never dropped quietly: it is listed
// in `problems` (the CLI turns that into exit 3), and the script marks it.
// Expression order and spelling follow iptables-translate, so netfilter's own
// translation suite can check us as text.
import { findMatch, findTarget } from "../extensions/index.js";
import { nftQuote } from "../extensions/nft-text.js";
import { protoNumber } from "../extensions/protocols.js";
import type { NftSetDecl, XlateContext } from "../extensions/types.js";
import { BUILTIN_CHAINS, type Chain, type Dump, type Family, type NamedMatch, type Rule, type Span, type Table } from "../syntax/ast.js";
import { isNftName, safeNftName } from "./nft-names.js";
import { orderedChains, orderedTables, printRule } from "./save.js";

export type NftFamily = "ip" | "ip6" | "inet";

export interface ConvertOptions {
  /** Output family; defaults to the dump's (ip for IPv4, ip6 for IPv6). */
  family?: NftFamily;
  /** Put before each table name, e.g. `dw-` gives `table ip dw-filter`. */
  tablePrefix?: string;
  /** Lines for the script's head comment (input name, tool version). */
  header?: readonly string[];
  /** Decides which rules and chains are left out, and which chains become base chains; `--docker` supplies one. */
  plan?: ConvertPlan;
}

export interface ConvertPlan {
  skipRule(rule: Rule): boolean;
  skipChain(table: string, chain: string): boolean;
  /** Turns a user chain into a base chain (DOCKER-USER becomes a forward hook at filter - 1). */
  baseChain?(table: string, chain: string): { type: string; hook: string; priority: string } | undefined;
  notes: ConvertNote[];
}

/** A rule that did not translate exactly. */
export interface RuleProblem {
  span: Span;
  table: string;
  chain: string;
  kind: "untranslatable" | "approximate";
  reason: string;
  /** The rule as iptables-save prints it. */
  rule: string;
}

/** Something the reader of the script should know (renamed chains, Docker semantics, guessed set types). */
export interface ConvertNote {
  code: string;
  message: string;
  span?: Span;
}

export interface ConvertResult {
  text: string;
  problems: RuleProblem[];
  notes: ConvertNote[];
  stats: { rules: number; nftRules: number; skipped: number; tables: number };
}

export function nftFamilyOf(family: Family): NftFamily {
  return family === "ipv4" ? "ip" : "ip6";
}

// ---------------------------------------------------------------------------
// One rule

/** Names a rule may jump to, after renaming; undefined for a chain the table does not have. */
export type ChainNames = (chain: string) => string | undefined;

export interface RuleEnv {
  family: Family;
  nftFamily: NftFamily;
  chainName: ChainNames;
  declareSet(set: NftSetDecl): string;
}

export type RuleXlate =
  | { ok: true; bodies: string[]; approximate?: string; commentNote?: string }
  | { ok: false; reason: string };

/** Protocols whose match module, when present, tests the protocol itself (iptables-translate omits `ip protocol`). */
const PROTO_MATCH = new Map([
  ["tcp", "tcp"], ["udp", "udp"], ["udplite", "udp"], ["sctp", "sctp"], ["dccp", "dccp"], ["icmp", "icmp"],
  ["ipv6-icmp", "icmp6"], ["esp", "esp"], ["ah", "ah"], ["mobility-header", "mh"],
]);

/** Protocol names every /etc/protocols has (nft resolves names through it); others are printed as numbers. */
const PORTABLE_PROTO = new Set(["tcp", "udp", "udplite", "sctp", "dccp", "icmp", "ipv6-icmp", "esp", "ah", "gre", "igmp"]);

/** nft keeps rule comments up to 128 bytes. */
const NFT_COMMENT_MAX = 128;

function ifaceTest(key: string, m: NamedMatch | undefined): string | { error: string } | undefined {
  if (!m) return undefined;
  let name = m.value;
  let neg = m.neg;
  if (name === "+") {
    // nft has no "any interface" pattern: always true, or (negated) never, which
    // an impossible name ('/' is not allowed in interface names) expresses
    if (!neg) return undefined;
    return `${key} "INVAL/D"`;
  }
  if (name.includes('"')) return { error: `interface name ${name} holds a '"', which nft cannot quote` };
  if (name.endsWith("+")) name = `${name.slice(0, -1)}*`;
  else if (name.endsWith("*")) name = `${name.slice(0, -1)}\\*`;
  return `${key} ${neg ? "!= " : ""}"${name}"`;
}

function addrTest(key: string, a: Rule["src"], family: Family): string | undefined {
  if (!a) return undefined;
  const full = family === "ipv4" ? 32 : 128;
  if (a.prefix === 0 && !a.neg) return undefined;
  if (a.prefix === null) return `${key} & ${a.mask} ${a.neg ? "!=" : "=="} ${a.addr}`;
  return `${key} ${a.neg ? "!= " : ""}${a.prefix === full ? a.addr : `${a.addr}/${a.prefix}`}`;
}

function protoText(value: string): string {
  if (PORTABLE_PROTO.has(value) || /^\d+$/.test(value)) return value;
  return String(protoNumber(value) ?? value);
}

/** Cartesian product of the matches' alternatives (each list is pairwise disjoint, so the product is too). */
function product(lists: readonly (readonly string[])[]): string[] {
  let out = [""];
  for (const l of lists) {
    const next: string[] = [];
    for (const a of out) for (const b of l) next.push(a && b ? `${a} ${b}` : a || b);
    out = next;
  }
  return out;
}

/**
 * What one rule's translation needs: reused from rule to rule (a dump can hold
 * 100k rules, and a context object with closures per rule was a third of the time).
 */
class RuleScratch {
  readonly comments: string[] = [];
  readonly ctx: XlateContext;
  constructor(readonly env: RuleEnv) {
    const comments = this.comments;
    this.ctx = { family: env.family, nftFamily: env.nftFamily, rule: undefined as unknown as Rule, comment: (t) => comments.push(t), declareSet: (s) => env.declareSet(s) };
  }
}

const scratchOf = new WeakMap<RuleEnv, RuleScratch>();

/** Translates one rule into nft rule bodies (the text after `add rule FAMILY TABLE CHAIN`). */
export function xlateRule(rule: Rule, env: RuleEnv): RuleXlate {
  let scratch = scratchOf.get(env);
  if (!scratch) scratchOf.set(env, (scratch = new RuleScratch(env)));
  const { ctx, comments } = scratch;
  ctx.rule = rule;
  comments.length = 0;
  // `parts` is the single conjunction; `alternatives` only exists once a match splits the rule
  const parts: string[] = [];
  let alternatives: string[][] | undefined;
  if (rule.inIface) {
    const t = ifaceTest("iifname", rule.inIface);
    if (typeof t === "object") return { ok: false, reason: t.error };
    if (t) parts.push(t);
  }
  if (rule.outIface) {
    const t = ifaceTest("oifname", rule.outIface);
    if (typeof t === "object") return { ok: false, reason: t.error };
    if (t) parts.push(t);
  }
  if (rule.fragment) parts.push(`ip frag-off & 0x1fff ${rule.fragment.neg ? "" : "!= "}0`);
  const proto = rule.proto && rule.proto.value !== "all" ? rule.proto : undefined;
  if (proto) {
    const consumer = proto.neg ? undefined : PROTO_MATCH.get(proto.value);
    if (!(consumer && rule.matches.some((m) => m.name === consumer))) {
      parts.push(`${env.family === "ipv4" ? "ip protocol" : "meta l4proto"} ${proto.neg ? "!= " : ""}${protoText(proto.value)}`);
    }
  }
  const kw = env.family === "ipv4" ? "ip" : "ip6";
  if (rule.src) {
    const t = addrTest(`${kw} saddr`, rule.src, env.family);
    if (t) parts.push(t);
  }
  if (rule.dst) {
    const t = addrTest(`${kw} daddr`, rule.dst, env.family);
    if (t) parts.push(t);
  }
  let approximate: string | undefined;
  const lossy = (what: string, why: string) => (approximate = approximate ? `${approximate}; ${what}: ${why}` : `${what}: ${why}`);
  for (const m of rule.matches) {
    const ext = m.known ? findMatch(m.name, env.family) : undefined;
    if (!ext) return { ok: false, reason: `-m ${m.name} is a match module dockwall does not know` };
    if (!ext.xlate) return { ok: false, reason: `-m ${m.name} has no nft translation in dockwall yet` };
    const r = ext.xlate(m, ctx);
    if ("untranslatable" in r) return { ok: false, reason: `-m ${m.name}: ${r.untranslatable}` };
    if ("anyOf" in r) {
      alternatives ??= [];
      alternatives.push([parts.splice(0).join(" ")], [...r.anyOf]);
      continue;
    }
    if (r.lossy) lossy(`-m ${m.name}`, r.lossy);
    if (r.nft) parts.push(r.nft);
  }
  let verdict = "";
  const t = rule.target;
  if (t) {
    if (t.kind === "standard") {
      verdict = t.name === "QUEUE" ? "queue" : t.name.toLowerCase();
    } else if (t.kind === "chain") {
      const name = env.chainName(t.name);
      if (name === undefined) return { ok: false, reason: `${t.goto ? "-g" : "-j"} ${t.name}: no such chain in table ${rule.table}` };
      verdict = `${t.goto ? "goto" : "jump"} ${name}`;
    } else {
      const ext = t.kind === "extension" ? findTarget(t.name, env.family) : undefined;
      if (!ext) return { ok: false, reason: `-j ${t.name} is a target dockwall does not know` };
      if (!ext.xlate) return { ok: false, reason: `-j ${t.name} has no nft translation in dockwall yet` };
      const r = ext.xlate(t, ctx);
      if ("untranslatable" in r) return { ok: false, reason: `-j ${t.name}: ${r.untranslatable}` };
      if ("anyOf" in r) return { ok: false, reason: `-j ${t.name}: a target translates to one statement` };
      if (r.lossy) lossy(`-j ${t.name}`, r.lossy);
      verdict = r.nft;
    }
  }
  let tail = verdict ? `counter ${verdict}` : "counter";
  let commentNote: string | undefined;
  if (comments.length) {
    let text = comments.join("; ");
    if (text.includes('"')) {
      commentNote = "a '\"' in the comment became \"'\" (nft strings cannot hold '\"')";
      text = text.replace(/"/g, "'");
    }
    if (Buffer.byteLength(text) > NFT_COMMENT_MAX) {
      commentNote = `the comment was cut to nft's ${NFT_COMMENT_MAX} bytes`;
      while (Buffer.byteLength(text) > NFT_COMMENT_MAX) text = text.slice(0, -1);
    }
    tail += ` comment ${nftQuote(text)}`;
  }
  let bodies: string[];
  if (!alternatives) {
    parts.push(tail);
    bodies = [parts.join(" ")];
  } else {
    alternatives.push([parts.join(" ")]);
    bodies = product(alternatives).map((b) => (b ? `${b} ${tail}` : tail));
  }
  return { ok: true, bodies, ...(approximate ? { approximate } : {}), ...(commentNote ? { commentNote } : {}) };
}

// ---------------------------------------------------------------------------
// Base chains

interface BaseChain {
  type: string;
  hook: string;
  priority: string;
}

/**
 * iptables-nft's hooks and priorities. nft 1.0.x accepts the names `dstnat` and
 * `srcnat` only on their own hooks, so nat OUTPUT and INPUT get numbers.
 */
export function baseChainOf(table: string, chain: string): BaseChain | undefined {
  if (!BUILTIN_CHAINS.get(table)?.includes(chain)) return undefined;
  const hook = chain.toLowerCase();
  switch (table) {
    case "raw":
      return { type: "filter", hook, priority: "raw" };
    case "mangle":
      return { type: chain === "OUTPUT" ? "route" : "filter", hook, priority: "mangle" };
    case "nat": {
      const priority = chain === "PREROUTING" ? "dstnat" : chain === "POSTROUTING" ? "srcnat" : chain === "OUTPUT" ? "-100" : "100";
      return { type: "nat", hook, priority };
    }
    case "security":
      return { type: "filter", hook, priority: "security" };
    default:
      return { type: "filter", hook, priority: "filter" };
  }
}

// ---------------------------------------------------------------------------
// Whole dump

interface SetState {
  decl: NftSetDecl;
  name: string;
}

class TableSets {
  readonly sets: SetState[] = [];
  private byKey = new Map<string, SetState>();
  private counters = new Map<string, number>();
  constructor(private taken: Set<string>) {}

  declare(decl: NftSetDecl): string {
    if (decl.shared) {
      const key = `${decl.name}\u0000${decl.type}`;
      const have = this.byKey.get(key);
      if (have) return have.name;
      const name = isNftName(decl.name) && !this.taken.has(decl.name) ? decl.name : safeNftName(decl.name, this.taken);
      const st = { decl, name };
      this.taken.add(name);
      this.byKey.set(key, st);
      this.sets.push(st);
      return name;
    }
    // one anonymous-purpose set per call, numbered like iptables-translate (connlimit0, connlimit1, ...)
    let n = this.counters.get(decl.name) ?? 0;
    let name = `${decl.name}${n}`;
    while (this.taken.has(name)) name = `${decl.name}${++n}`;
    this.counters.set(decl.name, n + 1);
    this.taken.add(name);
    this.sets.push({ decl, name });
    return name;
  }
}

export function setDeclText(s: { decl: NftSetDecl; name: string }, indent: string): string[] {
  const lines = [`${indent}set ${s.name} {`, `${indent}\ttype ${s.decl.type}`];
  if (s.decl.flags?.length) lines.push(`${indent}\tflags ${s.decl.flags.join(",")}`);
  const c = s.decl.comment ? nftQuote(s.decl.comment.slice(0, NFT_COMMENT_MAX)) : undefined;
  if (c) lines.push(`${indent}\tcomment ${c}`);
  lines.push(`${indent}}`);
  return lines;
}

export function convertDump(dump: Dump, opts: ConvertOptions = {}): ConvertResult {
  const family = dump.family;
  const nftFamily = opts.family ?? nftFamilyOf(family);
  const prefix = opts.tablePrefix ?? "";
  const plan = opts.plan;
  const problems: RuleProblem[] = [];
  const notes: ConvertNote[] = [...(plan?.notes ?? [])];
  const out: string[] = [];
  let rules = 0;
  let nftRules = 0;
  let skipped = 0;
  let tables = 0;

  for (const line of opts.header ?? []) out.push(`# ${line}`);
  if (nftFamily === "inet") {
    out.push(
      `# ${family === "ipv4" ? "IPv4" : "IPv6"} rules in inet tables: each base chain first lets the other family through,`,
      "# so these chains judge only the family the dump was written for.",
    );
  }

  for (const table of orderedTables(dump)) {
    const chains = orderedChains(table).filter((c) => !plan?.skipChain(table.name, c.name));
    const names = chainNames(table, chains, notes);
    const taken = new Set(names.values());
    const sets = new TableSets(taken);
    const env: RuleEnv = {
      family,
      nftFamily,
      chainName: (c) => (plan?.skipChain(table.name, c) ? undefined : names.get(c)),
      declareSet: (s) => sets.declare(s),
    };
    if (chains.length === 0) continue;
    tables++;
    out.push(`table ${nftFamily} ${tableName(prefix, table.name)} {`);
    // the sets the rules declare go first in the table, once the rules are written
    const setsAt = out.length;
    for (const chain of chains) {
      const base = baseChainOf(table.name, chain.name) ?? plan?.baseChain?.(table.name, chain.name);
      out.push(`\tchain ${names.get(chain.name)} {`);
      if (base) {
        const policy = (chain.policy ?? "ACCEPT").toLowerCase();
        out.push(`\t\ttype ${base.type} hook ${base.hook} priority ${base.priority}; policy ${policy};`);
        if (nftFamily === "inet") out.push(`\t\tmeta nfproto != ${family} accept`);
      }
      for (const rule of chain.rules) {
        rules++;
        if (plan?.skipRule(rule)) {
          skipped++;
          continue;
        }
        const x = xlateRule(rule, env);
        if (!x.ok) {
          const text = printRule(rule, family);
          problems.push({ span: rule.span, table: table.name, chain: chain.name, kind: "untranslatable", reason: x.reason, rule: text });
          out.push(`\t\t# dockwall: NOT TRANSLATED (line ${rule.span.line}): ${x.reason}`, `\t\t# ${text}`);
          continue;
        }
        if (x.approximate) {
          problems.push({ span: rule.span, table: table.name, chain: chain.name, kind: "approximate", reason: x.approximate, rule: printRule(rule, family) });
          out.push(`\t\t# dockwall: APPROXIMATE (line ${rule.span.line}): ${x.approximate}`);
        }
        if (x.commentNote) notes.push({ code: "comment-changed", message: x.commentNote, span: rule.span });
        if (negatesFullPortRange(rule)) {
          notes.push({
            code: "negated-full-range",
            message:
              "this rule tests a negated full port range, so it matches no packet (as iptables-legacy loads it); iptables-nft 1.8.9 loads it as matching every packet of the protocol. The nft rule keeps the written meaning: check which one this host relies on",
            span: rule.span,
          });
        }
        for (const b of x.bodies) out.push(`\t\t${b}`);
        nftRules += x.bodies.length;
      }
      out.push("\t}");
    }
    if (sets.sets.length) out.splice(setsAt, 0, ...sets.sets.flatMap((st) => setDeclText(st, "\t")));
    out.push("}");
  }
  return { text: out.join("\n") + "\n", problems, notes, stats: { rules, nftRules, skipped, tables } };
}

function negatesFullPortRange(rule: Rule): boolean {
  for (const m of rule.matches) {
    for (const o of m.options) if (o.neg && o.args[0] === "0:65535" && (o.name === "--sport" || o.name === "--dport")) return true;
  }
  return false;
}

export function tableName(prefix: string, table: string): string {
  return `${prefix}${table}`;
}

/** nft names for the table's chains; renames the ones nft cannot read and says so. */
function chainNames(table: Table, chains: readonly Chain[], notes: ConvertNote[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set(chains.filter((c) => isNftName(c.name)).map((c) => c.name));
  for (const c of chains) {
    if (isNftName(c.name)) {
      names.set(c.name, c.name);
      continue;
    }
    const renamed = safeNftName(c.name, taken);
    taken.add(renamed);
    names.set(c.name, renamed);
    notes.push({
      code: "chain-renamed",
      message: `chain '${c.name}' in table ${table.name} is called '${renamed}' in the nft script: nft cannot read '${c.name}' as a name`,
      ...(c.declared ? { span: c.declared } : {}),
    });
  }
  return names;
}
