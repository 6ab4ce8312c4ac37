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
import type { IpsetInfo, NftSetDecl, XlateContext } from "../extensions/types.js";
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
  /** The host's ipsets (`ipset save`): sets are declared with their elements instead of left to the host. */
  ipsets?: ReadonlyMap<string, IpsetInfo>;
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
  /** The script as one string, decoded from `chunks` when read (the CLI writes the chunks). */
  readonly text: string;
  /** The script as UTF-8, in pieces of about 64 KB. */
  chunks: Buffer[];
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
  ipset?(name: string): IpsetInfo | undefined;
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
 * 100k rules, and a context object with closures per rule was a third of the
 * time). `translate` leaves its side results here instead of in a new object.
 */
class RuleScratch {
  readonly comments: string[] = [];
  readonly ctx: XlateContext;
  /** Why the last rule could not be translated. */
  reason = "";
  approximate: string | undefined;
  commentNote: string | undefined;
  /** The last rule negates a full port range (see convertDump's note). */
  negatedFullRange = false;
  constructor(readonly env: RuleEnv) {
    const comments = this.comments;
    this.ctx = {
      family: env.family,
      nftFamily: env.nftFamily,
      rule: undefined as unknown as Rule,
      comment: (t) => comments.push(t),
      declareSet: (s) => env.declareSet(s),
      ...(env.ipset ? { ipset: env.ipset } : {}),
    };
  }

  lossy(what: string, why: string): void {
    this.approximate = this.approximate ? `${this.approximate}; ${what}: ${why}` : `${what}: ${why}`;
  }
}

function scratchFor(env: RuleEnv): RuleScratch {
  let scratch = scratchOf.get(env);
  if (!scratch) scratchOf.set(env, (scratch = new RuleScratch(env)));
  return scratch;
}

const scratchOf = new WeakMap<RuleEnv, RuleScratch>();

/** Matches whose `! --sport 0:65535` / `! --dport 0:65535` is a test iptables-nft 1.8.9 loses. */
const PORT_MATCHES = new Set(["tcp", "udp", "udplite", "sctp", "dccp"]);

/** Translates one rule into nft rule bodies (the text after `add rule FAMILY TABLE CHAIN`). */
export function xlateRule(rule: Rule, env: RuleEnv): RuleXlate {
  const scratch = scratchFor(env);
  const r = translate(rule, scratch);
  if (r === undefined) return { ok: false, reason: scratch.reason };
  const { approximate, commentNote } = scratch;
  return { ok: true, bodies: typeof r === "string" ? [r] : r, ...(approximate ? { approximate } : {}), ...(commentNote ? { commentNote } : {}) };
}

function fail(scratch: RuleScratch, reason: string): undefined {
  scratch.reason = reason;
  return undefined;
}

/**
 * One rule's nft body, or several when a match splits it into alternatives;
 * undefined when it cannot be translated (the reason is in `scratch`). One
 * string grows where an array of parts was joined: a kube-proxy dump's 100k
 * rules made that array and its result objects a good share of convert's time.
 */
function translate(rule: Rule, scratch: RuleScratch): string | string[] | undefined {
  const { ctx, comments, env } = scratch;
  ctx.rule = rule;
  comments.length = 0;
  scratch.approximate = undefined;
  scratch.commentNote = undefined;
  scratch.negatedFullRange = false;
  // `body` is the single conjunction; `alternatives` only exists once a match splits the rule
  let body = "";
  let alternatives: string[][] | undefined;
  if (rule.inIface) {
    const t = ifaceTest("iifname", rule.inIface);
    if (typeof t === "object") return fail(scratch, t.error);
    if (t) body = t;
  }
  if (rule.outIface) {
    const t = ifaceTest("oifname", rule.outIface);
    if (typeof t === "object") return fail(scratch, t.error);
    if (t) body = body ? `${body} ${t}` : t;
  }
  if (rule.fragment) body = and(body, `ip frag-off & 0x1fff ${rule.fragment.neg ? "" : "!= "}0`);
  const proto = rule.proto && rule.proto.value !== "all" ? rule.proto : undefined;
  if (proto) {
    const consumer = proto.neg ? undefined : PROTO_MATCH.get(proto.value);
    if (!(consumer && rule.matches.some((m) => m.name === consumer))) {
      body = and(body, `${env.family === "ipv4" ? "ip protocol" : "meta l4proto"} ${proto.neg ? "!= " : ""}${protoText(proto.value)}`);
    }
  }
  const kw = env.family === "ipv4" ? "ip" : "ip6";
  if (rule.src) {
    const t = addrTest(`${kw} saddr`, rule.src, env.family);
    if (t) body = and(body, t);
  }
  if (rule.dst) {
    const t = addrTest(`${kw} daddr`, rule.dst, env.family);
    if (t) body = and(body, t);
  }
  for (const m of rule.matches) {
    const ext = m.known ? findMatch(m.name, env.family) : undefined;
    if (!ext) return fail(scratch, `-m ${m.name} is a match module dockwall does not know`);
    if (!ext.xlate) return fail(scratch, `-m ${m.name} has no nft translation in dockwall yet`);
    const r = ext.xlate(m, ctx);
    if ("untranslatable" in r) return fail(scratch, `-m ${m.name}: ${r.untranslatable}`);
    if (PORT_MATCHES.has(m.name)) {
      for (const o of m.options) if (o.neg && o.args[0] === "0:65535" && (o.name === "--sport" || o.name === "--dport")) scratch.negatedFullRange = true;
    }
    if ("anyOf" in r) {
      alternatives ??= [];
      alternatives.push([body], [...r.anyOf]);
      body = "";
      continue;
    }
    if (r.lossy) scratch.lossy(`-m ${m.name}`, r.lossy);
    if (r.nft) body = and(body, r.nft);
  }
  let verdict = "";
  const t = rule.target;
  if (t) {
    if (t.kind === "standard") {
      verdict = t.name === "QUEUE" ? "queue" : t.name.toLowerCase();
    } else if (t.kind === "chain") {
      const name = env.chainName(t.name);
      if (name === undefined) return fail(scratch, `${t.goto ? "-g" : "-j"} ${t.name}: no such chain in table ${rule.table}`);
      verdict = `${t.goto ? "goto" : "jump"} ${name}`;
    } else {
      const ext = t.kind === "extension" ? findTarget(t.name, env.family) : undefined;
      if (!ext) return fail(scratch, `-j ${t.name} is a target dockwall does not know`);
      if (!ext.xlate) return fail(scratch, `-j ${t.name} has no nft translation in dockwall yet`);
      const r = ext.xlate(t, ctx);
      if ("untranslatable" in r) return fail(scratch, `-j ${t.name}: ${r.untranslatable}`);
      if ("anyOf" in r) return fail(scratch, `-j ${t.name}: a target translates to one statement`);
      if (r.lossy) scratch.lossy(`-j ${t.name}`, r.lossy);
      verdict = r.nft;
    }
  }
  let tail = verdict ? `counter ${verdict}` : "counter";
  if (comments.length) {
    let text = comments.length === 1 ? comments[0]! : comments.join("; ");
    if (text.includes('"')) {
      scratch.commentNote = "a '\"' in the comment became \"'\" (nft strings cannot hold '\"')";
      text = text.replace(/"/g, "'");
    }
    if (/[\n\r]/.test(text)) {
      scratch.commentNote = "a line break in the comment became a space (nft strings are one line)";
      text = text.replace(/[\n\r]/g, " ");
    }
    // a UTF-8 character is at most 3 bytes per UTF-16 unit, so short comments need no count
    if (text.length * 3 > NFT_COMMENT_MAX && Buffer.byteLength(text) > NFT_COMMENT_MAX) {
      scratch.commentNote = `the comment was cut to nft's ${NFT_COMMENT_MAX} bytes`;
      while (Buffer.byteLength(text) > NFT_COMMENT_MAX) text = text.slice(0, -1);
    }
    tail += ` comment ${nftQuote(text)}`;
  }
  if (!alternatives) return and(body, tail);
  alternatives.push([body]);
  return product(alternatives).map((b) => (b ? `${b} ${tail}` : tail));
}

/** Two nft expressions in sequence (either may be empty). */
function and(a: string, b: string): string {
  return a ? `${a} ${b}` : b;
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
  constructor(private taken: TableNames) {}

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
  const els = s.decl.elements;
  if (els?.length) {
    lines.push(`${indent}\telements = {`);
    els.forEach((e, i) => lines.push(`${indent}\t\t${e}${i < els.length - 1 ? "," : ""}`));
    lines.push(`${indent}\t}`);
  }
  lines.push(`${indent}}`);
  return lines;
}

/**
 * The script as encoded pieces of about 64 KB. A 100k-rule dump gives a 12 MB
 * script: appending lines to a string and encoding it every 64 KB keeps the
 * lines short-lived, where one array of 170k lines joined at the end was
 * promoted to the old generation and made V8 mark the whole parsed dump again.
 */
class ScriptWriter {
  private readonly chunks: Buffer[] = [];
  private cur = "";

  line(text: string): void {
    this.cur += text;
    this.cur += "\n";
    if (this.cur.length > 65536) this.flush();
  }

  /** A rule line, indented in its chain. */
  rule(body: string): void {
    this.cur += "\t\t";
    this.cur += body;
    this.cur += "\n";
    if (this.cur.length > 65536) this.flush();
  }

  /** A position `insertAt` can later put text at. */
  mark(): number {
    this.flush();
    return this.chunks.length;
  }

  insertAt(at: number, lines: readonly string[]): void {
    if (lines.length) this.chunks.splice(at, 0, Buffer.from(lines.join("\n") + "\n"));
  }

  done(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.cur) this.chunks.push(Buffer.from(this.cur));
    this.cur = "";
  }
}

export function convertDump(dump: Dump, opts: ConvertOptions = {}): ConvertResult {
  const family = dump.family;
  const nftFamily = opts.family ?? nftFamilyOf(family);
  const prefix = opts.tablePrefix ?? "";
  const plan = opts.plan;
  const problems: RuleProblem[] = [];
  const notes: ConvertNote[] = [...(plan?.notes ?? [])];
  const out = new ScriptWriter();
  const missingSets = new Set<string>();
  const ipsets = opts.ipsets;
  const ipset = ipsets
    ? (name: string) => {
        const info = ipsets.get(name);
        if (!info && !missingSets.has(name)) {
          missingSets.add(name);
          notes.push({ code: "ipset-missing", message: `ipset ${name} is not in the ipset file: its nft set is declared empty, to be filled from the host` });
        }
        return info;
      }
    : undefined;
  let rules = 0;
  let nftRules = 0;
  let skipped = 0;
  let tables = 0;

  for (const line of opts.header ?? []) out.line(`# ${line}`);
  if (nftFamily === "inet") {
    out.line(`# ${family === "ipv4" ? "IPv4" : "IPv6"} rules in inet tables: each base chain first lets the other family through,`);
    out.line("# so these chains judge only the family the dump was written for.");
  }

  for (const table of orderedTables(dump)) {
    const chains = plan ? orderedChains(table).filter((c) => !plan.skipChain(table.name, c.name)) : orderedChains(table);
    if (chains.length === 0) continue;
    const names = new TableNames(table, chains, plan, notes);
    const sets = new TableSets(names);
    const env: RuleEnv = {
      family,
      nftFamily,
      chainName: (c) => names.chain(c),
      declareSet: (s) => sets.declare(s),
      ...(ipset ? { ipset } : {}),
    };
    const scratch = scratchFor(env);
    tables++;
    out.line(`table ${nftFamily} ${tableName(prefix, table.name)} {`);
    // the sets the rules declare go first in the table, once the rules are written
    const setsAt = out.mark();
    for (const chain of chains) {
      const base = baseChainOf(table.name, chain.name) ?? plan?.baseChain?.(table.name, chain.name);
      out.line(`\tchain ${names.chain(chain.name)} {`);
      if (base) {
        const policy = (chain.policy ?? "ACCEPT").toLowerCase();
        out.line(`\t\ttype ${base.type} hook ${base.hook} priority ${base.priority}; policy ${policy};`);
        if (nftFamily === "inet") out.line(`\t\tmeta nfproto != ${family} accept`);
      }
      for (const rule of chain.rules) {
        rules++;
        if (plan?.skipRule(rule)) {
          skipped++;
          continue;
        }
        const x = translate(rule, scratch);
        if (x === undefined) {
          const text = printRule(rule, family);
          problems.push({ span: rule.span, table: table.name, chain: chain.name, kind: "untranslatable", reason: scratch.reason, rule: text });
          out.line(`\t\t# dockwall: NOT TRANSLATED (line ${rule.span.line}): ${scratch.reason}`);
          out.line(`\t\t# ${text}`);
          continue;
        }
        if (scratch.approximate) {
          problems.push({ span: rule.span, table: table.name, chain: chain.name, kind: "approximate", reason: scratch.approximate, rule: printRule(rule, family) });
          out.line(`\t\t# dockwall: APPROXIMATE (line ${rule.span.line}): ${scratch.approximate}`);
        }
        if (scratch.commentNote) notes.push({ code: "comment-changed", message: scratch.commentNote, span: rule.span });
        if (scratch.negatedFullRange) {
          notes.push({
            code: "negated-full-range",
            message:
              "this rule tests a negated full port range, so it matches no packet (as iptables-legacy loads it); iptables-nft 1.8.9 loads it as matching every packet of the protocol. The nft rule keeps the written meaning: check which one this host relies on",
            span: rule.span,
          });
        }
        if (typeof x === "string") {
          out.rule(x);
          nftRules++;
        } else {
          for (const b of x) out.rule(b);
          nftRules += x.length;
        }
      }
      out.line("\t}");
    }
    out.insertAt(setsAt, sets.sets.flatMap((st) => setDeclText(st, "\t")));
    out.line("}");
  }
  const chunks = out.done();
  return {
    get text() {
      return Buffer.concat(chunks).toString("utf8");
    },
    chunks,
    problems,
    notes,
    stats: { rules, nftRules, skipped, tables },
  };
}

export function tableName(prefix: string, table: string): string {
  return `${prefix}${table}`;
}

/**
 * The nft names in one table: its kept chains (renaming the ones nft cannot
 * read, and saying so) and the sets its rules declare. A chain nft can read
 * keeps its name without an entry here: a kube-proxy table has 35k chains, and
 * maps of them all outlived young-generation GCs and cost a full one.
 */
class TableNames {
  private readonly renamed = new Map<string, string>();
  private readonly extra = new Set<string>();

  constructor(
    private readonly table: Table,
    chains: readonly Chain[],
    private readonly plan: ConvertPlan | undefined,
    notes: ConvertNote[],
  ) {
    for (const c of chains) {
      if (isNftName(c.name)) continue;
      const renamed = safeNftName(c.name, this);
      this.renamed.set(c.name, renamed);
      this.extra.add(renamed);
      notes.push({
        code: "chain-renamed",
        message: `chain '${c.name}' in table ${table.name} is called '${renamed}' in the nft script: nft cannot read '${c.name}' as a name`,
        ...(c.declared ? { span: c.declared } : {}),
      });
    }
  }

  /** The nft name of a chain the script has; undefined for one the table lacks or the plan leaves out. */
  chain(name: string): string | undefined {
    // every kept chain nft cannot read was renamed in the constructor
    return this.renamed.get(name) ?? (this.kept(name) ? name : undefined);
  }

  /** Whether a chain or set of the table is called `name` in nft. */
  has(name: string): boolean {
    return this.extra.has(name) || (this.kept(name) && !this.renamed.has(name));
  }

  add(name: string): void {
    this.extra.add(name);
  }

  private kept(name: string): boolean {
    if (!this.table.chains.has(name) && !BUILTIN_CHAINS.get(this.table.name)?.includes(name)) return false;
    return !this.plan?.skipChain(this.table.name, name);
  }
}
