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
import { PORT_PROTO_NAMES, protoNumber } from "../extensions/protocols.js";
import type { IpsetInfo, NftSetDecl, XlateContext } from "../extensions/types.js";
import { BUILTIN_CHAINS, type Chain, type Dump, type Family, type NamedMatch, type Rule, type Span, type Table } from "../syntax/ast.js";
import { isNftName, safeNftName } from "./nft-names.js";
import { orderedChains, orderedTables, printRule, TABLE_ORDER } from "./save.js";

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
  /** The dump the rule is in, when several were converted together. */
  file?: string;
}

/** Something the reader of the script should know (renamed chains, Docker semantics, guessed set types). */
export interface ConvertNote {
  code: string;
  message: string;
  span?: Span;
  /** The dump the span is in, when several were converted together. */
  file?: string;
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
    if (!(consumer && hasMatch(rule, consumer))) {
      body = and(body, `${env.family === "ipv4" ? "ip protocol" : "meta l4proto"} ${proto.neg ? "!= " : ""}${protoText(proto.value)}`);
    }
  }
  const v4 = env.family === "ipv4";
  if (rule.src) {
    const t = addrTest(v4 ? "ip saddr" : "ip6 saddr", rule.src, env.family);
    if (t) body = and(body, t);
  }
  if (rule.dst) {
    const t = addrTest(v4 ? "ip daddr" : "ip6 daddr", rule.dst, env.family);
    if (t) body = and(body, t);
  }
  for (const m of rule.matches) {
    const ext = m.known ? findMatch(m.name, env.family) : undefined;
    if (!ext) return fail(scratch, `-m ${m.name} is a match module dockwall does not know`);
    if (!ext.xlate) return fail(scratch, `-m ${m.name} has no nft translation in dockwall yet`);
    const r = ext.xlate(m, ctx);
    if ("untranslatable" in r) return fail(scratch, `-m ${m.name}: ${r.untranslatable}`);
    // a port match's `! --sport 0:65535` / `! --dport 0:65535` is a test iptables-nft 1.8.9 loses
    if (PORT_PROTO_NAMES.has(m.name)) {
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

function hasMatch(rule: Rule, name: string): boolean {
  for (const m of rule.matches) if (m.name === name) return true;
  return false;
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
  constructor(private taken: NameSpace) {}

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

/** What converting one or more dumps collects, beside the script. */
class Collect {
  readonly problems: RuleProblem[] = [];
  readonly notes: ConvertNote[] = [];
  readonly out = new ScriptWriter();
  rules = 0;
  nftRules = 0;
  skipped = 0;
  tables = 0;
  private readonly missingSets = new Set<string>();

  constructor(private readonly opts: ConvertOptions) {
    for (const line of opts.header ?? []) this.out.line(`# ${line}`);
  }

  /** `ctx.ipset` for the rules: the set of the ipset file, and a warning once for each set it lacks. */
  readonly ipset = (name: string) => {
    const info = this.opts.ipsets?.get(name);
    if (!info && !this.missingSets.has(name)) {
      this.missingSets.add(name);
      this.notes.push({ code: "ipset-missing", message: `ipset ${name} is not in the ipset file: its nft set is declared empty, to be filled from the host` });
    }
    return info;
  };

  envOf(family: Family, nftFamily: NftFamily, names: TableNames, sets: TableSets): RuleEnv {
    return {
      family,
      nftFamily,
      chainName: (c) => names.chain(c),
      declareSet: (st) => sets.declare(st),
      ...(this.opts.ipsets ? { ipset: this.ipset } : {}),
    };
  }

  /** The rules of one chain, translated, each problem listed and marked in the script. */
  chainRules(chain: Chain, table: Table, scratch: RuleScratch, plan: ConvertPlan | undefined, file: string | undefined): void {
    const { out, problems, notes } = this;
    const family = scratch.env.family;
    const where = file === undefined ? {} : { file };
    for (const rule of chain.rules) {
      this.rules++;
      if (plan?.skipRule(rule)) {
        this.skipped++;
        continue;
      }
      const x = translate(rule, scratch);
      if (x === undefined) {
        const text = printRule(rule, family);
        problems.push({ span: rule.span, table: table.name, chain: chain.name, kind: "untranslatable", reason: scratch.reason, rule: text, ...where });
        out.line(`\t\t# dockwall: NOT TRANSLATED (line ${rule.span.line}): ${scratch.reason}`);
        out.line(`\t\t# ${text}`);
        continue;
      }
      if (scratch.approximate) {
        problems.push({ span: rule.span, table: table.name, chain: chain.name, kind: "approximate", reason: scratch.approximate, rule: printRule(rule, family), ...where });
        out.line(`\t\t# dockwall: APPROXIMATE (line ${rule.span.line}): ${scratch.approximate}`);
      }
      if (scratch.commentNote) notes.push({ code: "comment-changed", message: scratch.commentNote, span: rule.span, ...where });
      if (scratch.negatedFullRange) {
        notes.push({
          code: "negated-full-range",
          message:
            "this rule tests a negated full port range, so it matches no packet (as iptables-legacy loads it); iptables-nft 1.8.9 loads it as matching every packet of the protocol. The nft rule keeps the written meaning: check which one this host relies on",
          span: rule.span,
          ...where,
        });
      }
      if (typeof x === "string") {
        out.rule(x);
        this.nftRules++;
      } else {
        for (const b of x) out.rule(b);
        this.nftRules += x.length;
      }
    }
  }

  result(): ConvertResult {
    const chunks = this.out.done();
    return {
      get text() {
        return Buffer.concat(chunks).toString("utf8");
      },
      chunks,
      problems: this.problems,
      notes: this.notes,
      stats: { rules: this.rules, nftRules: this.nftRules, skipped: this.skipped, tables: this.tables },
    };
  }
}

export function convertDump(dump: Dump, opts: ConvertOptions = {}): ConvertResult {
  const family = dump.family;
  const nftFamily = opts.family ?? nftFamilyOf(family);
  const prefix = opts.tablePrefix ?? "";
  const plan = opts.plan;
  const c = new Collect(opts);
  c.notes.push(...(plan?.notes ?? []));
  const out = c.out;
  if (nftFamily === "inet") {
    out.line(`# ${family === "ipv4" ? "IPv4" : "IPv6"} rules in inet tables: each base chain first lets the other family through,`);
    out.line("# so these chains judge only the family the dump was written for.");
  }

  for (const table of orderedTables(dump)) {
    const chains = plan ? orderedChains(table).filter((ch) => !plan.skipChain(table.name, ch.name)) : orderedChains(table);
    if (chains.length === 0) continue;
    const names = new TableNames(table, chains, plan, c.notes);
    const sets = new TableSets(names);
    const scratch = scratchFor(c.envOf(family, nftFamily, names, sets));
    c.tables++;
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
      c.chainRules(chain, table, scratch, plan, undefined);
      out.line("\t}");
    }
    out.insertAt(setsAt, sets.sets.flatMap((st) => setDeclText(st, "\t")));
    out.line("}");
  }
  return c.result();
}

/** One dump of `convertInet`, with the plan that decides what of it is left out (`--docker`). */
export interface InetPart {
  dump: Dump;
  plan?: ConvertPlan;
}

/**
 * An IPv4 and an IPv6 dump as one set of inet tables. Each family's chains keep
 * their names with `-v4` / `-v6` after them; each hook gets one base chain that
 * jumps to the family's own chain and then applies that family's policy, so a
 * RETURN at the end of INPUT-v4 still meets the IPv4 policy, as in iptables.
 */
export function convertInet(parts: readonly InetPart[], opts: Omit<ConvertOptions, "family" | "plan"> = {}): ConvertResult {
  const families = parts.map((p) => p.dump.family);
  if (parts.length !== 2 || families[0] === families[1]) throw new Error("convertInet takes one IPv4 and one IPv6 dump");
  const prefix = opts.tablePrefix ?? "";
  const c = new Collect(opts);
  for (const p of parts) c.notes.push(...(p.plan?.notes ?? []).map((n) => ({ ...n, file: p.dump.file })));
  const out = c.out;
  out.line("# IPv4 and IPv6 rules in inet tables: each hook's base chain jumps to the family's chain (NAME-v4, NAME-v6),");
  out.line("# then applies that family's policy.");
  const ordered = [...parts].sort((a, b) => (a.dump.family === "ipv4" ? -1 : b.dump.family === "ipv4" ? 1 : 0));
  for (const tname of TABLE_ORDER) {
    const here = ordered.flatMap((p) => {
      const table = p.dump.tables.get(tname);
      if (!table) return [];
      const chains = orderedChains(table).filter((ch) => !p.plan?.skipChain(tname, ch.name));
      return chains.length ? [{ ...p, table, chains, suffix: p.dump.family === "ipv4" ? "-v4" : "-v6", nfproto: p.dump.family }] : [];
    });
    if (here.length === 0) continue;
    // the hooks' base chains keep the plain names, so the families' chains must not take them
    const bases = new Map<string, BaseChain>();
    for (const h of here) {
      for (const ch of h.chains) {
        const base = baseChainOf(tname, ch.name) ?? h.plan?.baseChain?.(tname, ch.name);
        if (base) bases.set(ch.name, base);
      }
    }
    const reserved = new Set(bases.keys());
    const names = here.map((h) => new TableNames(h.table, h.chains, h.plan, c.notes, h.suffix, reserved, h.dump.file));
    const space: NameSpace = { has: (n) => names.some((x) => x.has(n)), add: (n) => names[0]!.add(n) };
    const sets = new TableSets(space);
    c.tables++;
    out.line(`table inet ${tableName(prefix, tname)} {`);
    const setsAt = out.mark();
    for (const [bname, base] of bases) {
      out.line(`\tchain ${bname} {`);
      out.line(`\t\ttype ${base.type} hook ${base.hook} priority ${base.priority}; policy accept;`);
      here.forEach((h, i) => {
        const ch = h.table.chains.get(bname);
        const own = ch && !h.plan?.skipChain(tname, bname) ? names[i]!.chain(bname) : undefined;
        if (own) out.line(`\t\tmeta nfproto ${h.nfproto} jump ${own}`);
        const policy = (ch?.policy ?? "ACCEPT").toLowerCase();
        if (policy !== "accept") out.line(`\t\tmeta nfproto ${h.nfproto} ${policy}`);
      });
      out.line("\t}");
    }
    here.forEach((h, i) => {
      const scratch = scratchFor(c.envOf(h.dump.family, "inet", names[i]!, sets));
      for (const chain of h.chains) {
        out.line(`\tchain ${names[i]!.chain(chain.name)} {`);
        c.chainRules(chain, h.table, scratch, h.plan, h.dump.file);
        out.line("\t}");
      }
    });
    out.insertAt(setsAt, sets.sets.flatMap((st) => setDeclText(st, "\t")));
    out.line("}");
  }
  return c.result();
}

export function tableName(prefix: string, table: string): string {
  return `${prefix}${table}`;
}

/** Names a table's chains and sets share: what a new set name must avoid. */
interface NameSpace {
  has(name: string): boolean;
  add(name: string): void;
}

/**
 * The nft names in one table: its kept chains (renaming the ones nft cannot
 * read, and saying so) and the sets its rules declare. A chain nft can read
 * keeps its name without an entry here: a kube-proxy table has 35k chains, and
 * maps of them all outlived young-generation GCs and cost a full one.
 * `suffix` (convertInet's `-v4`) follows every chain name; `reserved` names
 * are taken by chains of the script's own.
 */
class TableNames implements NameSpace {
  private readonly renamed = new Map<string, string>();
  private readonly extra: Set<string>;

  constructor(
    private readonly table: Table,
    chains: readonly Chain[],
    private readonly plan: ConvertPlan | undefined,
    notes: ConvertNote[],
    private readonly suffix = "",
    reserved: ReadonlySet<string> = new Set(),
    file?: string,
  ) {
    this.extra = new Set(reserved);
    for (const c of chains) {
      const want = c.name + suffix;
      if (isNftName(want) && !reserved.has(want)) continue;
      const renamed = safeNftName(want, this);
      this.renamed.set(c.name, renamed);
      this.extra.add(renamed);
      notes.push({
        code: "chain-renamed",
        message: `chain '${c.name}' in table ${table.name} is called '${renamed}' in the nft script: nft cannot read '${want}' as a name`,
        ...(c.declared ? { span: c.declared } : {}),
        ...(file !== undefined ? { file } : {}),
      });
    }
  }

  /** The nft name of a chain the script has; undefined for one the table lacks or the plan leaves out. */
  chain(name: string): string | undefined {
    // every kept chain nft cannot read was renamed in the constructor
    return this.renamed.get(name) ?? (this.kept(name) ? name + this.suffix : undefined);
  }

  /** Whether a chain or set of the table is called `name` in nft. */
  has(name: string): boolean {
    if (this.extra.has(name)) return true;
    if (!name.endsWith(this.suffix)) return false;
    const own = name.slice(0, name.length - this.suffix.length);
    return this.kept(own) && !this.renamed.has(own);
  }

  add(name: string): void {
    this.extra.add(name);
  }

  private kept(name: string): boolean {
    if (!this.table.chains.has(name) && !BUILTIN_CHAINS.get(this.table.name)?.includes(name)) return false;
    return !this.plan?.skipChain(this.table.name, name);
  }
}
