// Fixes for DW101 (Docker's published ports) and DW113 (kube-proxy NodePorts):
// INPUT restricts traffic that nat PREROUTING DNATs away from it.
//
// The user's intent is read from the dump: for the packets the DNAT rule
// takes, INPUT's own decisions (which rules accept, which drop, and the
// policy) are replayed, in INPUT's order, where the packet is still addressed
// to the host (nat, or an nft prerouting chain before dstnat) or where
// conntrack still knows the original destination (DOCKER-USER). Sources INPUT
// accepts stay allowed; everything else to that port is blocked.
import { chainVerdicts, type ChainPart, type OutcomePart, type PacketSet } from "../../engine/api.js";
import type { AddrMatch, MatchCall, NamedMatch, Rule } from "../../syntax/ast.js";
import type { Finding } from "../../lint/types.js";
import { authorRule } from "../author.js";
import type { BuildContext } from "../context.js";
import type { Edit, FixPlan, Intent, IntentContext, NftChain } from "../types.js";

/** What the DNAT'd packets have in common, from the nat rules on their path. */
interface Scope {
  proto: string;
  /** `-m tcp --dport 443` or `-m multiport --dports 30000:32767` words. */
  portWords: string;
  /** A single port or range usable with --ctorigdstport, when there is one. */
  ctPort?: string;
  /** For names: 443, 8000-8010. */
  portName: string;
  dst?: AddrMatch;
  iface?: NamedMatch;
  /** DNAT target address, when a single one. */
  target?: string;
}

interface Carried {
  src?: AddrMatch;
  inIface?: NamedMatch;
  matches: MatchCall[];
}

interface Entry {
  verdict: "allow" | "block";
  carried: Carried;
  order: number[];
}

interface Replica {
  entries: Entry[];
  /** What happens to the scope's packets no entry takes. */
  rest: "allow" | "block";
  /** Sources allowed, in words, for descriptions. */
  allowedWords: string;
}

const PORT_MODULES = new Set(["tcp", "udp", "sctp"]);
/** Matches already implied by the scope, or meaningless for a connection's first packet. */
const IMPLIED = new Set(["tcp", "udp", "sctp", "multiport", "comment"]);

function addrText(a: AddrMatch): string {
  return `${a.neg ? "! " : ""}-s ${a.addr}/${a.prefix ?? a.mask}`;
}

function dstText(a: AddrMatch, flag = "-d"): string {
  return `${a.neg ? "! " : ""}${flag} ${a.addr}/${a.prefix ?? a.mask}`;
}

function ifaceText(i: NamedMatch | undefined): string {
  return i ? `${i.neg ? "! " : ""}-i ${i.value}` : "";
}

function scopeOf(path: Rule[], part: OutcomePart): Scope | string {
  const proto = path.find((r) => r.proto && !r.proto.neg)?.proto?.value;
  if (!proto || !PORT_MODULES.has(proto)) return "the DNAT rule's packets have no single TCP/UDP/SCTP port to name";
  let portWords: string | undefined;
  let ctPort: string | undefined;
  for (const r of path) {
    for (const m of r.matches) {
      const dport = m.options.find((o) => (o.name === "--dport" || o.name === "--dports") && !o.neg);
      if (!dport) continue;
      if (PORT_MODULES.has(m.name) && dport.name === "--dport") {
        portWords = `-m ${m.name} --dport ${dport.args[0]}`;
        ctPort = dport.args[0];
      } else if (m.name === "multiport") {
        portWords = `-m multiport --dports ${dport.args[0]}`;
        ctPort = /^\d+(:\d+)?$/.test(dport.args[0]!) ? dport.args[0] : undefined;
      }
    }
  }
  if (!portWords) return "no nat rule on the DNAT's path names the port";
  const dst = path.find((r) => r.dst && !r.dst.neg)?.dst;
  const iface = [...path].reverse().find((r) => r.inIface)?.inIface;
  const s: Scope = { proto, portWords, portName: (ctPort ?? portWords.split(" ").pop()!).replace(/[:,]/g, "-") };
  if (ctPort) s.ctPort = ctPort;
  if (dst) s.dst = dst;
  if (iface) s.iface = iface;
  if (part.rewritten.dst) s.target = part.rewritten.dst;
  return s;
}

/** The source-side conditions of an INPUT rule (and the jumps that led to it). */
function carry(rules: readonly Rule[]): Carried | string {
  const c: Carried = { matches: [] };
  for (const r of rules) {
    if (r.src) {
      if (c.src && JSON.stringify({ ...c.src, span: 0 }) !== JSON.stringify({ ...r.src, span: 0 })) return "INPUT's rules name two source ranges on one path";
      c.src = r.src;
    }
    if (r.inIface) {
      if (c.inIface && (c.inIface.value !== r.inIface.value || c.inIface.neg !== r.inIface.neg)) return "INPUT's rules name two interfaces on one path";
      c.inIface = r.inIface;
    }
    if (r.outIface || r.fragment) return `INPUT line ${r.span.line} matches on something a fix cannot carry`;
    for (const m of r.matches) {
      if (IMPLIED.has(m.name)) continue;
      if (m.name === "addrtype" && m.options.every((o) => o.name === "--dst-type")) continue;
      if ((m.name === "conntrack" || m.name === "state") && m.options.every((o) => o.name === "--ctstate" || o.name === "--state")) continue;
      c.matches.push(m);
    }
  }
  return c;
}

const isEverything = (c: Carried) => !c.src && !c.inIface && c.matches.length === 0;

function replicaOf(ctx: BuildContext, D: PacketSet): Replica | string {
  const parts: ChainPart[] = chainVerdicts(ctx.dump, "filter", "INPUT", D, { universe: ctx.u, hook: "INPUT" });
  const entries = new Map<number, Entry>();
  let rest: "allow" | "block" = "allow";
  for (const p of parts) {
    if (p.set.isEmpty()) continue;
    if (p.verdict === "undecided") return `INPUT's decision ${p.reason ?? "depends on a match dockwall cannot evaluate"}`;
    const verdict = p.verdict === "accept" || p.verdict === "policy-accept" || p.verdict === "return" ? "allow" : p.verdict === "nat" ? undefined : "block";
    if (!verdict) return "INPUT's decision involves NAT";
    const rule = p.decidedBy ? ctx.ruleAt("filter", p.decidedBy.line) : undefined;
    if (!rule || !p.decidedBy) {
      rest = verdict;
      continue;
    }
    if (entries.has(rule.span.line)) continue;
    const jumps = p.path.map((s) => ctx.ruleAt(s.table, s.line)).filter((r): r is Rule => !!r && r.target?.kind === "chain");
    const carried = carry([...jumps, rule]);
    if (typeof carried === "string") return carried;
    const order = [...jumps, rule].map((r) => ctx.dump.tables.get("filter")!.chains.get(r.chain)!.rules.indexOf(r));
    entries.set(rule.span.line, { verdict, carried, order });
  }
  const sorted = [...entries.values()].sort((a, b) => {
    for (let i = 0; i < Math.min(a.order.length, b.order.length); i++) if (a.order[i] !== b.order[i]) return a.order[i]! - b.order[i]!;
    return a.order.length - b.order.length;
  });
  // an entry that takes everything left ends the list
  const cut = sorted.findIndex((e) => isEverything(e.carried));
  if (cut >= 0) {
    rest = sorted[cut]!.verdict;
    sorted.length = cut;
  }
  while (sorted.length && sorted[sorted.length - 1]!.verdict === rest) sorted.pop();
  const allowed = sorted.filter((e) => e.verdict === "allow").map((e) => describeCarried(e.carried));
  return { entries: sorted, rest, allowedWords: allowed.length ? allowed.join(", ") : rest === "allow" ? "every source INPUT does not drop" : "no source" };
}

function describeCarried(c: Carried): string {
  const w: string[] = [];
  if (c.src) w.push(`${c.src.neg ? "not " : ""}${c.src.addr}/${c.src.prefix ?? c.src.mask}`);
  if (c.inIface) w.push(`${c.inIface.neg ? "not " : ""}in on ${c.inIface.value}`);
  for (const m of c.matches) w.push(`-m ${m.name}`);
  return w.join(" ") || "any source";
}

/** A fresh rule with the carried conditions added (the source negated for the one-rule form). */
function graft(base: Rule, c: Carried, negateSrc: boolean): Rule {
  const r = structuredClone(base);
  if (c.src) r.src = { ...structuredClone(c.src), neg: negateSrc ? !c.src.neg : c.src.neg };
  if (c.inIface) r.inIface = structuredClone(c.inIface);
  r.matches = [...structuredClone(c.matches), ...r.matches];
  return r;
}

interface Placement {
  table: string;
  chain: string;
  index: number;
  /** The scope's matches in this place. */
  scope: string;
  block: string;
  /** The one-rule form's verdict for blocked packets (nat: RETURN from PREROUTING). */
  blockHere: string;
}

/**
 * The rules of one strategy: a single rule when INPUT's intent is "these
 * sources (or none) and nothing else", otherwise a chain that replays INPUT's
 * decisions in order.
 */
function rulesFor(ctx: BuildContext, at: Placement, rep: Replica, chainWanted: string): { edits: Edit[]; chain?: string; rules: Rule[]; chainRules: Rule[] } {
  const fam = ctx.dump.family;
  const mk = (chain: string, text: string) => authorRule(fam, at.table, `-A ${chain} ${text}`.replace(/\s+/g, " ").trim());
  const [only] = rep.entries;
  const single = rep.entries.length === 0 ? rep.rest === "block" : rep.entries.length === 1 && only!.carried.src && !only!.carried.inIface && only!.carried.matches.length === 0 && only!.verdict !== rep.rest;
  if (single) {
    const base = mk(at.chain, `${at.scope} -j ${at.blockHere}`);
    const rule = only ? graft(base, only.carried, only.verdict === "allow") : base;
    return { edits: [{ kind: "insert", table: at.table, chain: at.chain, index: at.index, rule }], rules: [rule], chainRules: [] };
  }
  const chain = ctx.chainName(at.table, chainWanted);
  const chainRules = rep.entries.map((e) => graft(mk(chain, `-j ${e.verdict === "allow" ? "RETURN" : at.block}`), e.carried, false));
  if (rep.rest === "block") chainRules.push(mk(chain, `-j ${at.block}`));
  const jump = mk(at.chain, `${at.scope} -j ${chain}`);
  const edits: Edit[] = [
    { kind: "chain", table: at.table, chain },
    ...chainRules.map((rule, i): Edit => ({ kind: "insert", table: at.table, chain, index: i, rule })),
    { kind: "insert", table: at.table, chain: at.chain, index: at.index, rule: jump },
  ];
  return { edits, chain, rules: [jump], chainRules };
}

function dnatLineOf(f: Finding): number | undefined {
  return f.related.find((r) => /DNAT rule/.test(r.role))?.line;
}

/** Every packet the DNAT rule forwards, split by INPUT's verdict (in the proof's universe). */
function intentFor(dnatLine: number) {
  return ({ u, dump, before }: IntentContext): Intent => {
    const fwd = before.filter((p) => p.outcome === "forwarded" && p.nat.some((n) => n.kind === "DNAT" && n.line === dnatLine)).reduce((a, p) => a.union(p.set), u.empty());
    const input = fwd.intersect(u.of({ k: "addrtype", side: "dst", types: ["LOCAL"] }));
    let bad = u.empty();
    let keep = u.empty();
    for (const v of chainVerdicts(dump, "filter", "INPUT", input, { universe: u, hook: "INPUT" })) {
      if (v.verdict === "drop" || v.verdict === "reject" || v.verdict === "policy-drop") bad = bad.union(v.set);
      else if (v.verdict === "accept" || v.verdict === "policy-accept") keep = keep.union(v.set);
    }
    return { bad, keep: keep.intersect(u.of({ k: "ctstate", states: ["NEW"] })) };
  };
}

/** Interfaces the dump names that are not Docker bridges or loopback: candidates for "the external interface". */
function externalIfaces(ctx: BuildContext): string[] {
  if (!ctx.seesUnnamedIfaces) return [];
  const bridges = new Set(ctx.host.ifaces.filter((i) => i.origin === "dump").map((i) => i.name));
  const names = new Set<string>();
  for (const t of ctx.dump.tables.values())
    for (const c of t.chains.values())
      for (const r of c.rules) for (const i of [r.inIface, r.outIface]) if (i && !i.value.endsWith("+") && i.value !== "lo" && !bridges.has(i.value) && !/^(docker|br-|veth|cni|flannel|cali|kube)/.test(i.value)) names.add(i.value);
  const ext = ctx.host.ifaces.find((i) => i.name === ctx.host.defaultIface);
  if (ext && ext.origin === "option") names.add(ext.name);
  return [...names];
}

type Group = { scope: Scope; rep: Replica; D: PacketSet; key: string };

export function bypassFixes(f: Finding, ctx: BuildContext): FixPlan[] | string {
  const line = dnatLineOf(f);
  if (line === undefined) return "the finding names no DNAT rule";
  const groups = groupsOf(ctx, line);
  if (typeof groups === "string") return groups;
  // one NodePort load-balanced over several endpoints is one finding per
  // endpoint's DNAT, all stopped by the same rules: they share one fix (one
  // nft chain, not one per endpoint), each proved on its own DNAT's packets
  const key = `bypass:${groups.map((g) => g.key).join("\u0000")}`;
  let plans = ctx.memo.get(key) as FixPlan[] | undefined;
  if (!plans) ctx.memo.set(key, (plans = build(f, ctx, line, groups)));
  const intent = intentFor(line);
  return plans.map((p) => ({ ...p, finding: f, intent }));
}

function groupsOf(ctx: BuildContext, line: number): Group[] | string {
  const memo = ctx.memo.get(`bypass-groups:${line}`) as Group[] | string | undefined;
  if (memo !== undefined) return memo;
  const groups = findGroups(ctx, line);
  ctx.memo.set(`bypass-groups:${line}`, groups);
  return groups;
}

function findGroups(ctx: BuildContext, line: number): Group[] | string {
  const byPath = new Map<string, { path: Rule[]; part: OutcomePart; set: PacketSet }>();
  for (const p of ctx.before()) {
    if (!p.nat.some((n) => n.kind === "DNAT" && n.line === line)) continue;
    const steps = p.path.filter((s) => s.table === "nat" && s.hook === "PREROUTING");
    const sig = steps.map((s) => s.line).join(",");
    const g = byPath.get(sig);
    if (g) g.set = g.set.union(p.set);
    else byPath.set(sig, { path: steps.map((s) => ctx.ruleAt("nat", s.line)).filter((r): r is Rule => !!r), part: p, set: p.set });
  }
  const groups: Group[] = [];
  for (const g of byPath.values()) {
    const D = g.set.intersect(ctx.isNew()).intersect(ctx.local());
    if (D.isEmpty()) continue;
    const scope = scopeOf(g.path, g.part);
    if (typeof scope === "string") return scope;
    const rep = replicaOf(ctx, D);
    if (typeof rep === "string") return rep;
    if (rep.entries.length === 0 && rep.rest === "allow") continue;
    // two nat paths to one DNAT (kube-proxy's) often need the same rule
    const key = JSON.stringify([scope.proto, scope.portWords, scope.dst?.addr, scope.dst?.prefix, scope.iface, rep.rest, rep.entries.map((e) => [e.verdict, e.carried])], (k, v) => (k === "span" ? undefined : v));
    const same = groups.find((g) => g.key === key);
    if (same) same.D = same.D.union(D);
    else groups.push({ scope, rep, D, key });
  }
  if (groups.length === 0) return "INPUT does not block any packet this DNAT rule takes";
  return groups;
}

function build(f: Finding, ctx: BuildContext, line: number, groups: Group[]): FixPlan[] {
  const u = ctx.u;
  // Name the external interface when every blocked packet arrives on it.
  const bad = groups.reduce((a, g) => a.union(g.D), u.empty());
  const named = externalIfaces(ctx).find((n) => bad.subtract(u.of({ k: "iface", dir: "in", name: n })).isEmpty());
  const plans: FixPlan[] = [];
  const intent = intentFor(line);
  const kube = f.id === "DW113";
  const owner = kube ? "kube-proxy's DNAT" : "Docker's DNAT";
  const first = groups[0]!;
  const what = `${first.scope.proto}/${first.scope.portName.replace("-", ":")}`;
  const allowed = first.rep.allowedWords;
  const ifaceOf = (s: Scope): NamedMatch | undefined => (named ? { neg: false, value: named, span: { line: 0, col: 1, endCol: 1 } } : s.iface);
  const strategies: { strategy: FixPlan["strategy"]; name: string; place: (s: Scope) => Placement | string; description: string; nft?: boolean }[] = [
    {
      strategy: "nat",
      name: "nat-return",
      place: (s) => ({
        table: "nat",
        chain: "PREROUTING",
        index: 0,
        scope: `${ifaceText(ifaceOf(s))} -p ${s.proto} ${s.portWords} ${s.dst ? dstText(s.dst) : "-m addrtype --dst-type LOCAL"}`,
        block: "ACCEPT",
        blockHere: "RETURN",
      }),
      description:
        `Skips ${owner} for ${what} unless the source is one INPUT accepts (${allowed}): other packets stay addressed to the host and reach INPUT, which drops them. ` +
        `Only packets to this host's own addresses are touched. Keep the rule first in nat PREROUTING (${kube ? "kube-proxy" : "Docker"} re-adds its jump only when it is missing); with docker-proxy running, allowed clients are unchanged.`,
    },
    {
      strategy: "docker-user",
      name: "docker-user-ctorig",
      place: (s) => {
        if (!s.ctPort) return "the port list cannot be written as --ctorigdstport";
        if (!ctx.dump.tables.get("filter")?.chains.get("DOCKER-USER")) return "the dump has no DOCKER-USER chain";
        const target = s.target ? `-d ${s.target}/${ctx.dump.family === "ipv4" ? 32 : 128}` : "";
        return {
          table: "filter",
          chain: "DOCKER-USER",
          index: 0,
          scope: `${ifaceText(ifaceOf(s))} ${target} -p ${s.proto} -m conntrack --ctstate DNAT --ctproto ${s.proto} ${s.dst ? dstText(s.dst, "--ctorigdst") : ""} --ctorigdstport ${s.ctPort} --ctdir ORIGINAL`,
          block: "DROP",
          blockHere: "DROP",
        };
      },
      description:
        `Drops, in DOCKER-USER, connections to host port ${what} that ${owner} forwards (matched on conntrack's original destination port, original direction only, so replies are untouched) unless the source is one INPUT accepts (${allowed}). ` +
        `DOCKER-USER is where Docker expects user rules and keeps them across dockerd restarts; persist them for reboots.`,
    },
    {
      strategy: "nft",
      name: "nft-prerouting",
      nft: true,
      place: (s) => ({
        table: "mangle",
        chain: "PREROUTING",
        index: 0,
        scope: `${ifaceText(ifaceOf(s))} -p ${s.proto} ${s.portWords} ${s.dst ? dstText(s.dst) : "-m addrtype --dst-type LOCAL"} -m conntrack --ctstate NEW`,
        block: "DROP",
        blockHere: "DROP",
      }),
      description:
        `A table of its own (inet dockwall) whose prerouting chain, at priority dstnat - 10 (before ${owner}), drops ${what} to this host's addresses unless the source is one INPUT accepts (${allowed}). ` +
        `A drop in any nftables base chain is final, so it holds beside Docker's and iptables-nft's rules without editing them. The engine proves it as the same rules in a chain jumped to first from mangle PREROUTING.`,
    },
  ];
  for (const st of strategies) {
    const edits: Edit[] = [];
    const nftChains: NftChain[] = [];
    // nft: our base chain is modelled as a chain of ours jumped to first thing
    // in mangle PREROUTING; without accepts in it, its return ends only our chain
    const pre = st.nft ? ctx.chainName("mangle", "DOCKWALL-PRE") : undefined;
    const base: NftChain = { name: (pre ?? "").toLowerCase().replace(/-/g, "_"), iptables: pre ?? "", base: { hook: "prerouting", priority: "dstnat - 10" }, rules: [] };
    if (pre) {
      // the host's own packets loop back through prerouting: never ours to block
      const lo = authorRule(ctx.dump.family, "mangle", `-A ${pre} -i lo -j RETURN`);
      edits.push({ kind: "chain", table: "mangle", chain: pre }, { kind: "insert", table: "mangle", chain: pre, index: 0, rule: lo });
      base.rules.push(lo);
    }
    let failed: string | undefined;
    for (const g of groups) {
      const at = st.place(g.scope);
      if (typeof at === "string") {
        failed = at;
        break;
      }
      if (pre) at.chain = pre;
      const r = rulesFor(ctx, at, g.rep, `DOCKWALL-${g.scope.proto.toUpperCase()}-${g.scope.portName}`);
      edits.push(...r.edits);
      base.rules.push(...r.rules);
      if (r.chain) nftChains.push({ name: r.chain.toLowerCase().replace(/-/g, "_"), iptables: r.chain, rules: r.chainRules });
    }
    if (failed) continue;
    if (pre) edits.push({ kind: "insert", table: "mangle", chain: "PREROUTING", index: 0, rule: authorRule(ctx.dump.family, "mangle", `-A PREROUTING -j ${pre}`) });
    const plan: FixPlan = { finding: f, strategy: st.strategy, name: st.name, description: st.description, edits, intent };
    if (st.nft) plan.nft = { chains: [base, ...nftChains], modelledAs: "a chain of ours jumped to first in mangle PREROUTING (the same hook, before nat)" };
    plans.push(plan);
  }
  return plans;
}
