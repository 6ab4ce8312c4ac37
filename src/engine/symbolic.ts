// The exact symbolic engine: walks sets of arriving packets through the same
// hooks and chains as the concrete tracer, splitting them wherever a rule
// decides differently, and returns the partition by whole-path behaviour.
//
// A flow is (set of arriving packets, Env, path, choices): everything in the
// set has had the same rewrites, marks, rule hits and statistic choices so far.
//
// What keeps big dumps (kube-proxy: 10^4 services, 10^5 rules) linear:
// * Within a chain a flow is not shrunk rule by rule (that copies wide nodes
//   once per rule); the parts that left are remembered, indexed by the
//   destination/port they were matched on, and subtracted only from the rules
//   they can overlap.
// * Each chain has an index of the rules that pin a destination address or
//   port; a flow whose destination is a NAT constant, or whose set holds only
//   a few destinations, visits only the rules that can match it.
// * A walk is linear in its input set: walk(S) = { S ∩ P : P in walk(all) }
//   for the same environment. Flows that NAT made constant (tens of thousands
//   of DNATed endpoints) share one walk of the whole space per stage and
//   environment class (the NAT constants only matter through the intervals
//   the stage's rules distinguish), and only intersect their set with its parts.
import type { Chain, Dump, Rule } from "../syntax/ast.js";
import { formatAddr } from "../syntax/inet.js";
import type { Constraint } from "../extensions/packet.js";
import type { AnalyzeOptions, ChainPart, Choice, Difference, Direction, Hook, HostModel, OutcomePart, PathStep, RuleRef, Universe } from "./api.js";
import { applyEffect, envKey, initialEnv, KERNEL_PORT, portChoiceText, portPicker, touchesCtmark, type Env, type NatRecord } from "./env.js";
import { addrTypeRanges, hostFacts, inferHost, localDeliveryRanges, loopbackRange, MARTIAN_DST, MARTIAN_SRC, netsByPrefix, PLACEHOLDER, V6_RCV_DROPS } from "./host.js";
import { declLine, FORWARD, INPUT, MAX_STEPS, OUTPUT, POSTROUTING, PREROUTING, stageChain, userChain, type Stage } from "./model.js";
import { semantics, type RuleSemantics } from "./rules.js";
import { EMPTY, FULL, lowerBound, PacketSet, upperBound, type Dd } from "./sets.js";
import { SymUniverse, type Tri3 } from "./universe.js";

/** A run of path steps appended at once (one step, or a cached walk's whole segment). */
interface PathNode {
  id: number;
  steps: readonly PathStep[];
  prev: PathNode | null;
}

interface ChoiceNode {
  id: number;
  ch: readonly Choice[];
  prev: ChoiceNode | null;
}

interface Flow {
  set: number;
  env: Env;
  /** The env's id (Walker.canon): flows with equal ids have equal envs. */
  key: number;
  path: PathNode | null;
  choices: ChoiceNode | null;
  /** The filter table's accepting rule on the last hook, and the last accepting rule of any table. */
  filterBy: RuleRef | null;
  lastAccept: RuleRef | null;
  /**
   * Set only on flows leaving nat PREROUTING for the pipeline: the history of
   * the ESTABLISHED packets of `set` (they took their binding without walking
   * nat, so their path and deciding rules are those before nat). Kept as one
   * flow, its two halves are told apart by the pipeline's ends (Pipeline.estSplit).
   */
  est: History | null;
}

interface History {
  path: PathNode | null;
  filterBy: RuleRef | null;
  lastAccept: RuleRef | null;
}

function mkFlow(set: number, env: Env, key: number, path: PathNode | null, choices: ChoiceNode | null, filterBy: RuleRef | null, lastAccept: RuleRef | null, est: History | null = null): Flow {
  return { set, env, key, path, choices, filterBy, lastAccept, est };
}

/** f's env and choices with another set and history (the ESTABLISHED packets' from before nat). */
function withHistory(f: Flow, set: number, h: History): Flow {
  return mkFlow(set, f.env, f.key, h.path, f.choices, h.filterBy, h.lastAccept);
}

type Verdict = "accept" | "drop" | "reject" | "return" | "undecided";

interface Out {
  flow: Flow;
  verdict: Verdict;
  by: RuleRef | null;
  reason?: string;
}

let nodeIds = 0;

function pathArray(p: PathNode | null): PathStep[] {
  const segs: (readonly PathStep[])[] = [];
  for (let n = p; n; n = n.prev) segs.push(n.steps);
  const out: PathStep[] = [];
  for (let i = segs.length - 1; i >= 0; i--) for (const s of segs[i]!) out.push(s);
  return out;
}

const choiceArrays = new WeakMap<ChoiceNode, Choice[]>();

/** The choices of a flow, in order; parts from one flow share the array. */
function choiceArray(c: ChoiceNode | null): Choice[] {
  if (!c) return [];
  const hit = choiceArrays.get(c);
  if (hit) return hit;
  const segs: (readonly Choice[])[] = [];
  for (let n: ChoiceNode | null = c; n; n = n.prev) segs.push(n.ch);
  const out: Choice[] = [];
  for (let i = segs.length - 1; i >= 0; i--) for (const s of segs[i]!) out.push(s);
  choiceArrays.set(c, out);
  return out;
}

// ------------------------------------------------------------ rules and chains

/** Env fields a match reads, as bits: compilations under envs equal on them are equal. */
const R_SRC = 1;
const R_DST = 2;
const R_SPORT = 4;
const R_DPORT = 8;
const R_OIF = 16;
const R_IIF = 32;
const R_MARK = 64;
const R_CTMARK = 128;
const R_NAT = 256;
const R_CT = 512;

function readsOf(c: Constraint): number {
  switch (c.k) {
    case "and":
    case "or":
      return c.cs.reduce((a, x) => a | readsOf(x), 0);
    case "not":
      return readsOf(c.c);
    case "addr":
      return (c.field.startsWith("ct") ? R_CT : 0) | (c.field === "src" || c.field === "ctrepldst" ? R_SRC : 0) | (c.field === "dst" || c.field === "ctreplsrc" ? R_DST : 0);
    case "num":
      return (c.field.startsWith("ct") ? R_CT : 0) | (c.field === "sport" || c.field === "ctrepldport" ? R_SPORT : 0) | (c.field === "dport" || c.field === "ctreplsport" ? R_DPORT : 0);
    case "bits":
      return c.field === "mark" ? R_MARK : c.field === "ctmark" ? R_CTMARK | R_CT : c.field === "ctstatus" ? R_NAT | R_CT : 0;
    case "iface":
      return c.dir === "out" ? R_OIF : R_IIF;
    case "ctstate":
    case "ctdir":
      return R_CT;
    case "addrtype":
      return (c.side === "src" ? R_SRC : R_DST) | R_OIF | R_IIF;
    default:
      return 0;
  }
}

function readKey(mask: number, e: Env): string {
  let k = "";
  if (mask & R_SRC) k += `s${e.src ?? ""}|`;
  if (mask & R_DST) k += `d${e.dst ?? ""}|`;
  if (mask & R_SPORT) k += `p${e.sport ?? ""}|`;
  if (mask & R_DPORT) k += `q${e.dport ?? ""}|`;
  if (mask & R_OIF) k += `o${e.oif ?? ""}|`;
  if (mask & R_IIF) k += `i${e.iifOverride ?? ""}|`;
  if (mask & R_MARK) k += `m${e.mark.ref},${e.mark.c}|`;
  if (mask & R_CTMARK) k += `c${e.ctmark.ref},${e.ctmark.c}|`;
  if (mask & R_NAT) k += `n${+e.dnat}${+e.snat}|`;
  if (mask & R_CT) k += `t${+e.preCt}${+e.untracked}${+e.asNew}`;
  return k;
}

/** The destination address and port a match pins down (top-level conjuncts over the header as the rule sees it). */
function pinsOf(c: Constraint): { dst?: bigint; dport?: number } {
  const out: { dst?: bigint; dport?: number } = {};
  const walk = (x: Constraint) => {
    if (x.k === "and") x.cs.forEach(walk);
    else if (x.k === "addr" && x.field === "dst" && x.ranges.length === 1 && x.ranges[0]![0] === x.ranges[0]![1]) out.dst = x.ranges[0]![0];
    else if (x.k === "num" && x.field === "dport" && x.ranges.length === 1 && x.ranges[0]![0] === x.ranges[0]![1]) out.dport = x.ranges[0]![0];
  };
  walk(c);
  return out;
}

interface RuleInfo {
  sem: RuleSemantics;
  by: RuleRef;
  // made on first use: a kube-proxy dump has 10^5 rules, and empty Maps per rule were 60 MB
  /** The path step (as a one-step segment) for the first hook the rule is walked in, and the two choices: made once, shared by every flow. */
  step?: PathStep[];
  /** Only for a rule walked in more than one hook (the chain is called from two). */
  steps?: Map<Hook, PathStep[]>;
  /** The step of a rule whose match is undecided and whose target is inert (PathStep.maybe), per hook and reason. */
  maybeSteps?: Map<string, PathStep[]>;
  taken?: Choice;
  notTaken?: Choice;
  reads: number;
  pinDst?: bigint;
  pinDport?: number;
  /** The match compiled, for a rule that reads no env field, and by readKey otherwise. */
  compiled0?: Tri3;
  compiled?: Map<string, Tri3>;
}

interface ChainInfo {
  chain: Chain;
  rules: RuleInfo[];
  /** Rules pinned to one destination address, by address; the rest in `unpinned`, by pinned port or in `wide`. */
  byDst?: Map<bigint, number[]>;
  dstKeys?: bigint[];
  byPort?: Map<number, number[]>;
  wide?: number[];
  /** Candidate lists already merged, by query. */
  lists: Map<string, number[]>;
}

/** Below this many rules a chain is walked without its index. */
const INDEX_MIN = 16;

/** Stage closures: the boundaries of every interval their rules test on a NAT-rewritable field. */
interface Boundaries {
  dst: bigint[];
  src: bigint[];
  dport: number[];
  sport: number[];
}

/** The class of v among sorted boundaries: values in one class pass every test alike. */
function classOf<T extends number | bigint>(b: readonly T[], v: T | undefined): string {
  if (v === undefined) return "u";
  // a port the kernel picks is a class of its own: a later --sport test is undecided for it
  if (v === KERNEL_PORT) return "k";
  return String(upperBound(b, v));
}

/** An env as the classes a stage's (or the pipeline's) rules tell apart, and the fields they read as they are. */
function classKey(b: Boundaries, e: Env): string {
  return `${classOf(b.dst, e.dst)}/${classOf(b.dport, e.dport)}/${classOf(b.src, e.src)}/${classOf(b.sport, e.sport)}/${e.oif ?? ""}/${e.iifOverride ?? ""}/${e.mark.ref},${e.mark.c}/${e.ctmark.ref},${e.ctmark.c}/${+e.preCt}${+e.untracked}${+e.dnat}${+e.snat}${+e.asNew}`;
}

interface CachedOut {
  set: number;
  verdict: Verdict;
  by: RuleRef | null;
  reason?: string;
  steps: PathStep[];
  choices: Choice[];
  env: Env;
  /** NAT records the walk added (the rest of env.nat is the input's). */
  natAdded: NatRecord[];
  envChanged: boolean;
  /** The env after this walk, by the id of the env before it. */
  rebased: Map<number, { env: Env; id: number }>;
}

export class Walker {
  readonly dd: Dd;
  /** analyze() results, by direction, input set and paths (the caller must not change them). */
  readonly results = new Map<string, OutcomePart[]>();
  private readonly chains = new Map<Chain, ChainInfo>();
  private readonly bounds = new Map<Chain, Boundaries>();
  private readonly stageCache = new Map<string, CachedOut[]>();
  private readonly supportMemo = new Map<number, [number, number][] | null>();
  steps = 0;

  constructor(
    readonly u: SymUniverse,
    readonly dump: Dump,
    /** Use the rule indexes and cached stage walks (off only in tests that check they change nothing). */
    readonly fast = true,
  ) {
    this.dd = u.dd;
  }

  private info(ch: Chain): ChainInfo {
    let ci = this.chains.get(ch);
    if (ci) return ci;
    const fam = this.dump.family;
    const rules = ch.rules.map((rule): RuleInfo => {
      const sem = semantics(rule, fam);
      const p = pinsOf(sem.match);
      return { sem, by: { table: rule.table, chain: ch.name, line: rule.span.line }, reads: readsOf(sem.match), ...(p.dst !== undefined ? { pinDst: p.dst } : {}), ...(p.dport !== undefined ? { pinDport: p.dport } : {}) };
    });
    ci = { chain: ch, rules, lists: new Map() };
    if (rules.length >= INDEX_MIN) {
      const byDst = new Map<bigint, number[]>();
      const byPort = new Map<number, number[]>();
      const wide: number[] = [];
      rules.forEach((r, i) => {
        if (r.pinDst !== undefined) (byDst.get(r.pinDst) ?? byDst.set(r.pinDst, []).get(r.pinDst)!).push(i);
        else if (r.pinDport !== undefined) (byPort.get(r.pinDport) ?? byPort.set(r.pinDport, []).get(r.pinDport)!).push(i);
        else wide.push(i);
      });
      ci.byDst = byDst;
      ci.dstKeys = [...byDst.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      ci.byPort = byPort;
      ci.wide = wide;
    }
    this.chains.set(ch, ci);
    return ci;
  }

  private compile(ri: RuleInfo, env: Env): Tri3 {
    if (ri.reads === 0) return (ri.compiled0 ??= this.u.compile(ri.sem.match, env));
    const key = readKey(ri.reads, env);
    const m = (ri.compiled ??= new Map());
    let r = m.get(key);
    if (!r) m.set(key, (r = this.u.compile(ri.sem.match, env)));
    return r;
  }

  /**
   * The destination values a set can hold, as intervals, when they are few
   * (IPv4 only: one address level); null when the set spans too much to help.
   */
  private dstSupport(n: number): [number, number][] | null {
    const u = this.u;
    if (u.chunks !== 1) return null;
    const hit = this.supportMemo.get(n);
    if (hit !== undefined) return hit;
    const d = this.dd;
    const out: [number, number][] = [];
    let ok = true;
    const seen = new Set<number>();
    const visit = (x: number) => {
      if (!ok || x === EMPTY || seen.has(x)) return;
      seen.add(x);
      const lv = x === FULL ? Infinity : d.level(x);
      if (lv > u.L.dst) {
        ok = false;
        return;
      }
      const nd = d.node(x);
      if (lv < u.L.dst) {
        nd.kids.forEach(visit);
        return;
      }
      nd.kids.forEach((k, i) => {
        if (k === EMPTY) return;
        const hi = i + 1 < nd.starts.length ? nd.starts[i + 1]! - 1 : 0xffffffff;
        out.push([nd.starts[i]!, hi]);
      });
      if (out.length > 64) ok = false;
    };
    visit(n);
    const r = ok ? out : null;
    if (this.supportMemo.size > 100_000) this.supportMemo.clear();
    this.supportMemo.set(n, r);
    return r;
  }

  /** Rule indices worth trying, in order, for a flow: rules pinned to a destination or port it cannot have are left out. */
  private candidates(ci: ChainInfo, f: Flow): number[] | undefined {
    if (!this.fast || !ci.byDst) return undefined;
    let dsts: [bigint, bigint][] | undefined;
    if (f.env.dst !== undefined) dsts = [[f.env.dst, f.env.dst]];
    else if (ci.byDst.size > 0) {
      const s = this.dstSupport(f.set);
      if (s) dsts = s.map(([a, b]) => [BigInt(a), BigInt(b)]);
    }
    const port = f.env.dport;
    if (!dsts && port === undefined) return undefined;
    const key = `${dsts ? dsts.map(([a, b]) => `${a}-${b}`).join(",") : "*"}|${port ?? "*"}`;
    const hit = ci.lists.get(key);
    if (hit) return hit;
    const lists: number[][] = [ci.wide!];
    if (dsts) {
      for (const [lo, hi] of dsts) {
        const keys = ci.dstKeys!;
        let i = lowerBound(keys, lo);
        for (; i < keys.length && keys[i]! <= hi; i++) lists.push(ci.byDst.get(keys[i]!)!);
      }
    } else for (const l of ci.byDst.values()) lists.push(l);
    if (port !== undefined) lists.push(ci.byPort!.get(port) ?? []);
    else for (const l of ci.byPort!.values()) lists.push(l);
    const all: number[] = [];
    for (const l of lists) for (const x of l) all.push(x);
    all.sort((a, b) => a - b);
    if (ci.lists.size > 50_000) ci.lists.clear();
    ci.lists.set(key, all);
    return all;
  }

  /** f's history with a new set, env, and optionally one more path segment and choice. */
  with(f: Flow, set: number, env: Env = f.env, steps?: readonly PathStep[], choice?: Choice): Flow {
    const path = steps ? { id: ++nodeIds, steps, prev: f.path } : f.path;
    const choices = choice ? { id: ++nodeIds, ch: [choice], prev: f.choices } : f.choices;
    if (env === f.env) return mkFlow(set, env, f.key, path, choices, f.filterBy, f.lastAccept);
    const c = this.canon(env);
    return mkFlow(set, c, this.envIds.get(c)!, path, choices, f.filterBy, f.lastAccept);
  }

  private readonly envIds = new WeakMap<Env, number>();
  private readonly envByKey = new Map<string, Env>();
  private envCount = 0;

  /** The one Env object of its value: flows compare and cache by its id. */
  canon(env: Env): Env {
    if (this.envIds.has(env)) return env;
    const k = `${envKey(env)}|${natKey(env.nat)}`;
    const c = this.envByKey.get(k);
    if (c) return c;
    this.envByKey.set(k, env);
    this.envIds.set(env, ++this.envCount);
    return env;
  }

  /**
   * f's history with the env a NAT rule just made, under an id of its own,
   * not looked up: its NAT records name the rule, so only flows that met this
   * rule with an equal env could share it, and an id is only a cache key (a
   * kube-proxy dump makes ~10^5 such envs, each a miss of canon's text key).
   */
  private withNat(f: Flow, set: number, env: Env, steps: readonly PathStep[] | undefined): Flow {
    const path = steps ? { id: ++nodeIds, steps, prev: f.path } : f.path;
    const id = ++this.envCount;
    this.envIds.set(env, id);
    return mkFlow(set, env, id, path, f.choices, f.filterBy, f.lastAccept);
  }

  /** A new flow with no history. */
  start(set: number, env: Env): Flow {
    const c = this.canon(env);
    return mkFlow(set, c, this.envIds.get(c)!, null, null, null, null);
  }

  /** The same flow with another env (the path and deciding rules kept). */
  rekey(f: Flow, env: Env, filterBy = f.filterBy, lastAccept = f.lastAccept): Flow {
    const c = this.canon(env);
    return mkFlow(f.set, c, this.envIds.get(c)!, f.path, f.choices, filterBy, lastAccept);
  }

  /** Walks a flow through a chain from rule `start`; returns how each part left it. */
  walkChain(table: string, hook: Hook, ch: Chain, flow0: Flow, start: number, record: boolean): Out[] {
    const d = this.dd;
    const ci = this.info(ch);
    const outs: Out[] = [];
    const work: { f: Flow; idx: number }[] = [{ f: flow0, idx: start }];
    while (work.length) {
      const { f, idx } = work.pop()!;
      const S = f.set;
      const gone: number[] = [];
      // the left parts by pin, for indexed chains only (a small chain subtracts them all;
      // kube-proxy's 10^4 two-rule endpoint chains would make four collections per visit)
      const indexed = ci.byDst !== undefined;
      const byDst = indexed ? new Map<bigint, number[]>() : undefined;
      const byPort = indexed ? new Map<number, number[]>() : undefined;
      const noDst: number[] = [];
      const noPort: number[] = [];
      const leave = (x: number, pd: bigint | undefined, pp: number | undefined) => {
        const id = gone.length;
        gone.push(x);
        if (!byDst || !byPort) return;
        file(byDst, noDst, pd, id);
        file(byPort, noPort, pp, id);
      };
      const order = this.candidates(ci, f);
      let k = order ? lowerBound(order, idx) : idx;
      const n = order ? order.length : ci.rules.length;
      for (; k < n; k++) {
        const i = order ? order[k]! : k;
        if (++this.steps > MAX_STEPS * 20) throw new Error("symbolic walk did not end: the chains loop");
        const ri = ci.rules[i]!;
        const m = this.compile(ri, f.env);
        if (m.y === EMPTY && m.m === EMPTY) continue;
        let X = d.and(S, m.y);
        let Y = d.and(S, m.m);
        if (X === EMPTY && Y === EMPTY) continue;
        // a pin on a field the env holds as a constant says nothing about the set
        const pd = indexed && f.env.dst === undefined ? ri.pinDst : undefined;
        const pp = indexed && f.env.dport === undefined ? ri.pinDport : undefined;
        const a = pd !== undefined ? byDst!.get(pd) : undefined;
        const b = pp !== undefined ? byPort!.get(pp) : undefined;
        const useDst = pd !== undefined && (pp === undefined || (a?.length ?? 0) + noDst.length <= (b?.length ?? 0) + noPort.length);
        if (useDst) {
          X = minus(d, gone, noDst, minus(d, gone, a, X));
          Y = minus(d, gone, noDst, minus(d, gone, a, Y));
        } else if (pp !== undefined) {
          X = minus(d, gone, noPort, minus(d, gone, b, X));
          Y = minus(d, gone, noPort, minus(d, gone, b, Y));
        } else {
          X = minus(d, gone, null, X);
          Y = minus(d, gone, null, Y);
        }
        const by = ri.by;
        const line = by.line;
        if (Y !== EMPTY) {
          const reason = `depends on ${m.why} at line ${line}`;
          if (ri.sem.inert) {
            // taken or not, the packet goes on unchanged: the same as trace's runChain
            let step: PathStep[] | undefined;
            if (record) {
              const key = `${hook} ${m.why}`;
              const byKey = (ri.maybeSteps ??= new Map());
              step = byKey.get(key);
              if (!step) byKey.set(key, (step = [{ table, chain: ch.name, line, target: ri.sem.targetName, hook, maybe: reason }]));
            }
            work.push({ f: this.with(f, Y, f.env, step), idx: i + 1 });
          } else outs.push({ flow: this.with(f, Y), verdict: "undecided", by, reason });
          leave(Y, pd, pp);
        }
        if (X === EMPTY) continue;
        leave(X, pd, pp);
        const sem = ri.sem;
        let g = f;
        if (sem.choice) {
          // either branch is possible for every packet of X: both go on, labelled
          ri.taken ??= { table, chain: ch.name, line, matched: true };
          ri.notTaken ??= { table, chain: ch.name, line, matched: false };
          work.push({ f: this.with(f, X, f.env, undefined, ri.notTaken), idx: i + 1 });
          g = this.with(f, X, f.env, undefined, ri.taken);
        }
        let step: PathStep[] | undefined;
        if (record) {
          const mk = () => [{ table, chain: ch.name, line, target: sem.targetName, hook }];
          if (!ri.step) step = ri.step = mk();
          else if (ri.step[0]!.hook === hook) step = ri.step;
          else {
            const byHook = (ri.steps ??= new Map());
            step = byHook.get(hook);
            if (!step) byHook.set(hook, (step = mk()));
          }
        }
        const act = sem.action;
        if (act.k === "none") {
          work.push({ f: this.with(g, X, g.env, step), idx: i + 1 });
          continue;
        }
        if (act.k === "return") {
          outs.push({ flow: this.with(g, X, g.env, step), verdict: "return", by });
          continue;
        }
        if (act.k === "jump" || act.k === "goto") {
          const target = userChain(this.dump, table, act.chain);
          if (!target) {
            outs.push({ flow: this.with(g, X), verdict: "undecided", by, reason: `depends on chain ${act.chain} (not in the dump) at line ${line}` });
            continue;
          }
          const sub = this.walkChain(table, hook, target, this.with(g, X, g.env, step), 0, record);
          for (const o of sub) {
            if (o.verdict === "return" && act.k === "jump") work.push({ f: o.flow, idx: i + 1 });
            else outs.push(o);
          }
          continue;
        }
        // an effect on the ctmark applies only to packets with a conntrack entry
        const tr = touchesCtmark(act.effect) ? this.u.tracked(g.env) : FULL;
        const redirect = act.effect.k === "nat" && act.effect.kind === "REDIRECT" && g.env.iifOverride === undefined;
        // REDIRECT sends to the incoming device's address: one part per device
        // (no arrays of pairs here: this runs once per NAT or MARK rule a flow takes)
        const names = this.u.atoms.names;
        for (let j = 0; j < (redirect ? names.length : 1); j++) {
          const px = redirect ? d.and(X, d.range(this.u.L.iif, [[j, j]])) : X;
          const iif = redirect ? names[j]! : (g.env.iifOverride ?? null);
          for (let t = 0; t < 2; t++) {
            const tracked = t === 0;
            const part = tr === FULL ? (tracked ? px : EMPTY) : tracked ? d.and(px, tr) : d.diff(px, tr);
            if (part === EMPTY) continue;
            const r = applyEffect(act.effect, g.env, line, this.u.host, { iif, family: this.dump.family, tracked });
            const next = (env: Env) => (env.nat.length > g.env.nat.length ? this.withNat(g, part, env, step) : this.with(g, part, env, step));
            if (r.k === "continue") work.push({ f: next(r.env), idx: i + 1 });
            else if (r.k === "undecided") outs.push({ flow: this.with(g, part, g.env, step), verdict: "undecided", by, reason: `depends on ${r.module} at line ${line}` });
            else if (r.k === "accept") outs.push({ flow: next(r.env), verdict: "accept", by });
            else outs.push({ flow: this.with(g, part, g.env, step), verdict: r.k, by });
          }
        }
      }
      const rest = d.diff(S, d.orAll(gone));
      if (rest !== EMPTY) outs.push({ flow: this.with(f, rest), verdict: "return", by: null });
    }
    return outs;
  }

  /** Interval boundaries of the NAT-rewritable fields every rule reachable from a built-in chain tests. */
  boundaries(base: Chain, table: string): Boundaries {
    let b = this.bounds.get(base);
    if (b) return b;
    const dst = new Set<bigint>();
    const src = new Set<bigint>();
    const dport = new Set<number>();
    const sport = new Set<number>();
    const host = this.u.host;
    const devs: (string | null | undefined)[] = [undefined, null, ...host.ifaces.map((i) => i.name), ...this.u.atoms.names];
    const addRanges = <T,>(to: Set<T>, rs: readonly (readonly [T, T])[], next: (x: T) => T) => {
      for (const [lo, hi] of rs) {
        to.add(lo);
        to.add(next(hi));
      }
    };
    const inc = (x: bigint) => x + 1n;
    const incN = (x: number) => x + 1;
    const visit = (c: Constraint) => {
      switch (c.k) {
        case "and":
        case "or":
          c.cs.forEach(visit);
          break;
        case "not":
          visit(c.c);
          break;
        case "addr":
          if (c.field === "dst" || c.field === "ctreplsrc") addRanges(dst, c.ranges, inc);
          if (c.field === "src" || c.field === "ctrepldst") addRanges(src, c.ranges, inc);
          break;
        case "num":
          if (c.field === "dport" || c.field === "ctreplsport") addRanges(dport, c.ranges, incN);
          if (c.field === "sport" || c.field === "ctrepldport") addRanges(sport, c.ranges, incN);
          break;
        case "addrtype":
          for (const t of c.types) for (const dev of devs) addRanges(c.side === "dst" ? dst : src, addrTypeRanges(host, t, dev), inc);
          break;
      }
    };
    const seen = new Set<Chain>();
    const stack = [base];
    while (stack.length) {
      const ch = stack.pop()!;
      if (seen.has(ch)) continue;
      seen.add(ch);
      for (const r of this.info(ch).rules) {
        visit(r.sem.match);
        const a = r.sem.action;
        if (a.k === "jump" || a.k === "goto") {
          const t = userChain(this.dump, table, a.chain);
          if (t) stack.push(t);
        }
      }
    }
    const sortB = (a: bigint, c: bigint) => (a < c ? -1 : a > c ? 1 : 0);
    b = { dst: [...dst].sort(sortB), src: [...src].sort(sortB), dport: [...dport].sort((x, y) => x - y), sport: [...sport].sort((x, y) => x - y) };
    this.bounds.set(base, b);
    return b;
  }

  private readonly ctReaders = new Map<string, boolean>();

  /** Whether a rule reachable from the stage's chain reads conntrack (state, status, ctmark, ct* addresses). */
  readsConntrack(st: Stage): boolean {
    const k = `${st.table}/${st.hook}`;
    let r = this.ctReaders.get(k);
    if (r !== undefined) return r;
    r = false;
    const base = stageChain(this.dump, st);
    const seen = new Set<Chain>();
    const stack = base ? [base] : [];
    while (stack.length && !r) {
      const ch = stack.pop()!;
      if (seen.has(ch)) continue;
      seen.add(ch);
      for (const ri of this.info(ch).rules) {
        if (ri.reads & R_CT) r = true;
        const a = ri.sem.action;
        if (a.k === "jump" || a.k === "goto") {
          const t = userChain(this.dump, st.table, a.chain);
          if (t) stack.push(t);
        }
      }
    }
    this.ctReaders.set(k, r);
    return r;
  }

  private readonly classKeys = new Map<string, Map<number, string>>();

  /** Walks one flow through a built-in chain: directly, or by intersecting a cached walk of the whole space. */
  private walkStage(st: Stage, base: Chain, f: Flow, record: boolean): Out[] {
    if (!this.fast || (f.env.dst === undefined && f.env.src === undefined)) return this.walkChain(st.table, st.hook, base, f, 0, record);
    const stageKey = `${st.table}/${st.hook}/${+record}`;
    let byEnv = this.classKeys.get(stageKey);
    if (!byEnv) this.classKeys.set(stageKey, (byEnv = new Map()));
    let key = byEnv.get(f.key);
    const e = f.env;
    if (key === undefined) {
      const b = this.boundaries(base, st.table);
      key = `${stageKey}/${classKey(b, e)}`;
      byEnv.set(f.key, key);
    }
    let cached = this.stageCache.get(key);
    if (!cached) {
      cached = this.walkChain(st.table, st.hook, base, this.repOf(f), 0, record).map((o) => cachedOut(o, e));
      this.stageCache.set(key, cached);
    }
    const outs: Out[] = [];
    for (const c of cached) {
      const o = this.instantiate(c, f, f.filterBy, f.lastAccept);
      if (o) outs.push(o);
    }
    return outs;
  }

  /** A cached walk's part for flow f: its set intersected, its history appended; undefined when empty. */
  instantiate(c: CachedOut, f: Flow, filterBy: RuleRef | null, lastAccept: RuleRef | null): Out | undefined {
    const s = this.dd.and(f.set, c.set);
    if (s === EMPTY) return undefined;
    const { env, id } = this.rebased(c, f);
    const flow = mkFlow(
      s,
      env,
      id,
      c.steps.length ? { id: ++nodeIds, steps: c.steps, prev: f.path } : f.path,
      c.choices.length ? { id: ++nodeIds, ch: c.choices, prev: f.choices } : f.choices,
      filterBy,
      lastAccept,
    );
    return { flow, verdict: c.verdict, by: c.by, ...(c.reason ? { reason: c.reason } : {}) };
  }

  /** A flow standing for every packet, with f's env and no history: what cached walks walk. */
  repOf(f: Flow): Flow {
    return mkFlow(FULL, f.env, f.key, null, null, null, null);
  }

  /** The env after a cached walk for a flow that entered it with f's env (canonical, memoised). */
  rebased(c: CachedOut, f: Flow): { env: Env; id: number } {
    if (!c.envChanged) return { env: f.env, id: f.key };
    let r = c.rebased.get(f.key);
    if (!r) {
      const ce = this.canon(rebase(c, f.env));
      c.rebased.set(f.key, (r = { env: ce, id: this.envIds.get(ce)! }));
    }
    return r;
  }

  /** Boundaries for everything after PREROUTING: routing and the INPUT, FORWARD and POSTROUTING chains. */
  pipelineBoundaries(): Boundaries {
    const host = this.u.host;
    const dst = new Set<bigint>();
    const src = new Set<bigint>();
    const dport = new Set<number>();
    const sport = new Set<number>();
    const add = <T,>(to: Set<T>, lo: T, next: T) => {
      to.add(lo);
      to.add(next);
    };
    for (const list of [INPUT, FORWARD, POSTROUTING]) {
      for (const st of list) {
        const base = stageChain(this.dump, st);
        if (!base) continue;
        const b = this.boundaries(base, st.table);
        b.dst.forEach((x) => dst.add(x));
        b.src.forEach((x) => src.add(x));
        b.dport.forEach((x) => dport.add(x));
        b.sport.forEach((x) => sport.add(x));
      }
    }
    // routing: loopback (martians), local addresses, connected subnets
    const loop = loopbackRange(host.family);
    add(dst, loop[0], loop[1] + 1n);
    add(src, loop[0], loop[1] + 1n);
    for (const [lo, hi] of localDeliveryRanges(host)) add(dst, lo, hi + 1n);
    for (const n of hostFacts(host).nets) add(dst, n.net, n.last + 1n);
    const sortB = (a: bigint, c: bigint) => (a < c ? -1 : a > c ? 1 : 0);
    return { dst: [...dst].sort(sortB), src: [...src].sort(sortB), dport: [...dport].sort((x, y) => x - y), sport: [...sport].sort((x, y) => x - y) };
  }

  private readonly policies = new Map<string, { policyBy: RuleRef; policyStep: PathStep[] }>();

  private policyOf(st: Stage, base: Chain): { policyBy: RuleRef; policyStep: PathStep[] } {
    const k = `${st.table}/${st.hook}`;
    let p = this.policies.get(k);
    if (!p) {
      const line = declLine(base);
      const policy = base.policy ?? "ACCEPT";
      p = { policyBy: { table: st.table, chain: base.name, line }, policyStep: [{ table: st.table, chain: base.name, line, target: `policy:${policy}`, hook: st.hook }] };
      this.policies.set(k, p);
    }
    return p;
  }

  /** One stage (a built-in chain): returns the flows that go on and the parts it ended. */
  runStage(st: Stage, flows: Flow[], record: boolean): { go: Flow[]; ended: Out[] } {
    const base = stageChain(this.dump, st);
    if (!base) return { go: flows, ended: [] };
    const go: Flow[] = [];
    const ended: Out[] = [];
    const policy = base.policy ?? "ACCEPT";
    const { policyBy, policyStep } = this.policyOf(st, base);
    for (const f of flows) {
      for (const o of this.walkStage(st, base, f, record)) {
        let { flow } = o;
        let verdict = o.verdict;
        let by = o.by;
        if (verdict === "return") {
          by = policyBy;
          flow = this.with(flow, flow.set, flow.env, record ? policyStep : undefined);
          verdict = policy === "DROP" ? "drop" : "accept";
        }
        if (verdict === "accept") {
          flow = mkFlow(flow.set, flow.env, flow.key, flow.path, flow.choices, st.table === "filter" ? by : flow.filterBy, by);
          go.push(flow);
        } else ended.push({ ...o, flow, verdict, by });
      }
    }
    return { go: merge(this.dd, go), ended };
  }
}

function cachedOut(o: Out, e: Env): CachedOut {
  return {
    set: o.flow.set,
    verdict: o.verdict,
    by: o.by,
    ...(o.reason ? { reason: o.reason } : {}),
    steps: pathArray(o.flow.path),
    choices: choiceArray(o.flow.choices),
    env: o.flow.env,
    natAdded: o.flow.env.nat.slice(e.nat.length),
    envChanged: o.flow.env !== e,
    rebased: new Map(),
  };
}

/** The env of a flow after a cached walk: the walk's env, with the flow's own NAT constants and the walk's NAT on top. */
function rebase(c: CachedOut, e: Env): Env {
  const env: Env = { ...c.env, nat: c.natAdded.length ? [...e.nat, ...c.natAdded] : e.nat };
  const set = (k: "src" | "dst" | "sport" | "dport", v: bigint | number | undefined) => {
    if (v === undefined) env[k] = undefined;
    else (env as unknown as Record<string, unknown>)[k] = v;
  };
  set("src", e.src);
  set("dst", e.dst);
  set("sport", e.sport);
  set("dport", e.dport);
  for (const r of c.natAdded) {
    if (r.kind === "DNAT" || r.kind === "REDIRECT") {
      if (r.addr !== undefined) env.dst = r.addr;
      if (r.port !== undefined) env.dport = r.port;
    } else {
      if (r.addr !== undefined) env.src = r.addr;
      if (r.port !== undefined) env.sport = r.port;
    }
  }
  return env;
}

/** x minus the left parts with these ids (all of them for null). */
function minus(d: Dd, gone: readonly number[], ids: readonly number[] | null | undefined, x: number): number {
  if (ids === undefined) return x;
  if (ids === null) {
    for (let k = 0; k < gone.length && x !== EMPTY; k++) x = d.diff(x, gone[k]!);
    return x;
  }
  for (let k = 0; k < ids.length && x !== EMPTY; k++) x = d.diff(x, gone[ids[k]!]!);
  return x;
}

/** Files a left part under its pinned value, or with the unpinned ones. */
function file<K>(by: Map<K, number[]>, none: number[], key: K | undefined, id: number): void {
  if (key === undefined) {
    none.push(id);
    return;
  }
  const l = by.get(key);
  if (l) l.push(id);
  else by.set(key, [id]);
}


const natKeys = new WeakMap<readonly NatRecord[], string>();

/** The NAT records as text (envKey leaves them out), once per array. */
function natKey(nat: readonly NatRecord[]): string {
  if (nat.length === 0) return "";
  let k = natKeys.get(nat);
  if (k === undefined) natKeys.set(nat, (k = nat.map((r) => `${r.kind},${r.line},${r.addr ?? ""},${r.port ?? ""}`).join(";")));
  return k;
}

/** A deciding rule as text, for keys. */
function refKey(r: RuleRef | null): string {
  return r ? `${r.table}/${r.chain}/${r.line}` : "";
}

const choiceKeys = new WeakMap<ChoiceNode, string>();

/** A flow's choices as text, for keys (flows with equal choices have different nodes). */
function choiceKey(c: ChoiceNode | null): string {
  if (!c) return "";
  let k = choiceKeys.get(c);
  if (k === undefined) choiceKeys.set(c, (k = choiceArray(c).map(choiceText).join(",")));
  return k;
}

function choiceText(x: Choice): string {
  return `${x.table}/${x.line}${x.matched ? "+" : "-"}`;
}

const refIds = new WeakMap<RuleRef, number>();
let refCount = 0;
function refId(r: RuleRef | null): number {
  if (!r) return 0;
  let id = refIds.get(r);
  if (id === undefined) refIds.set(r, (id = ++refCount));
  return id;
}

/** Flows with the same env, path, choices and deciding rules are one flow. */
function merge(dd: Dd, flows: Flow[]): Flow[] {
  if (flows.length < 2) return flows;
  const byEnv = new Map<number, Map<string, Flow>>();
  const out: Flow[] = [];
  for (const f of flows) {
    let m = byEnv.get(f.key);
    if (!m) byEnv.set(f.key, (m = new Map()));
    const k = `${f.path?.id ?? 0},${f.choices?.id ?? 0},${refId(f.filterBy)},${refId(f.lastAccept)}`;
    const g = m.get(k);
    if (g) g.set = dd.or(g.set, f.set);
    else {
      const c = mkFlow(f.set, f.env, f.key, f.path, f.choices, f.filterBy, f.lastAccept);
      m.set(k, c);
      out.push(c);
    }
  }
  return out;
}

/** The host model for an analysis: a placeholder external address when none is known. */
export function analysisHost(dumps: Dump[], host?: HostModel): HostModel {
  const h = host ?? inferHost(dumps);
  const ext = h.ifaces.find((i) => i.name === h.defaultIface);
  if (ext && ext.addrs.length) return h;
  const fam = h.family;
  const copy: HostModel = { ...h, ifaces: h.ifaces.map((i) => ({ ...i, addrs: [...i.addrs] })), assumptions: [...h.assumptions] };
  let e = copy.ifaces.find((i) => i.name === h.defaultIface);
  if (!e) copy.ifaces.push((e = { name: h.defaultIface, addrs: [], origin: "default" }));
  e.addrs.push(PLACEHOLDER[fam]);
  copy.assumptions.push(`no host address given: ${h.defaultIface} assumed to have ${PLACEHOLDER[fam].addr}/${PLACEHOLDER[fam].prefix}`);
  return copy;
}

function universeFor(dump: Dump, opts: AnalyzeOptions): SymUniverse {
  if (opts.universe) return opts.universe as SymUniverse;
  return new SymUniverse(dump.family, analysisHost([dump], opts.host), [dump]);
}

/** Splits flows by the routing decision on their (post-DNAT) destination. */
function routeFlows(w: Walker, flows: Flow[]): { local: Flow[]; fwd: Flow[]; martian: Out[] } {
  const u = w.u;
  const d = u.dd;
  const host = u.host;
  const loop = loopbackRange(host.family);
  const notLo = d.range(u.L.iif, u.atoms.names.map((n, i) => [i, i] as const).filter(([i]) => i !== 0 && u.atoms.names[i] !== "lo"));
  const localRanges = localDeliveryRanges(host);
  const nets = netsByPrefix(host);
  const local: Flow[] = [];
  const fwd: Flow[] = [];
  const martian: Out[] = [];
  const inRange = (v: bigint, r: readonly (readonly [bigint, bigint])[]) => r.some(([a, b]) => v >= a && v <= b);
  // the same few sets for every flow whose address is not a NAT constant
  const setCache = new Map<string, number>();
  const addrSet = (level: number, r: readonly (readonly [bigint, bigint])[], tag: string) => {
    let n = setCache.get(`${level}/${tag}`);
    if (n === undefined) setCache.set(`${level}/${tag}`, (n = u.addrSet(level, r)));
    return n;
  };
  for (const f of flows) {
    const dstIs = (r: readonly (readonly [bigint, bigint])[], tag: string) => (f.env.dst !== undefined ? (inRange(f.env.dst, r) ? FULL : EMPTY) : addrSet(u.L.dst, r, tag));
    const srcIs = (r: readonly (readonly [bigint, bigint])[], tag: string) => (f.env.src !== undefined ? (inRange(f.env.src, r) ? FULL : EMPTY) : addrSet(u.L.src, r, tag));
    const iifNotLo = f.env.iifOverride !== undefined ? (f.env.iifOverride === "lo" ? EMPTY : FULL) : notLo;
    const mDst = d.and(f.set, d.and(iifNotLo, dstIs([loop], "loop")));
    const mSrc = d.diff(d.and(f.set, d.and(iifNotLo, srcIs([loop], "loop"))), mDst);
    if (mDst !== EMPTY) martian.push({ flow: w.with(f, mDst), verdict: "drop", by: null, reason: MARTIAN_DST });
    if (mSrc !== EMPTY) martian.push({ flow: w.with(f, mSrc), verdict: "drop", by: null, reason: MARTIAN_SRC });
    let rest = d.diff(f.set, d.or(mDst, mSrc));
    const loc = d.and(rest, dstIs(localRanges, "local"));
    if (loc !== EMPTY) local.push(w.with(f, loc));
    rest = d.diff(rest, loc);
    for (let k = 0; k < nets.length; k++) {
      if (rest === EMPTY) break;
      const n = nets[k]!;
      const part = d.and(rest, dstIs([[n.net, n.last]], `net${k}`));
      if (part !== EMPTY) fwd.push(w.with(f, part, { ...f.env, oif: n.iface }));
      rest = d.diff(rest, part);
    }
    if (rest !== EMPTY) fwd.push(w.with(f, rest, { ...f.env, oif: host.defaultIface }));
  }
  return { local, fwd, martian };
}

/** IPv6: what ip6_rcv_core drops before PREROUTING (inbound packets never arrive on lo here). */
function rcvDrops(w: Walker, flows: Flow[], emit: Emit): Flow[] {
  const u = w.u;
  const d = u.dd;
  if (u.family !== "ipv6") return flows;
  const out: Flow[] = [];
  for (const f of flows) {
    let rest = f.set;
    for (const r of V6_RCV_DROPS) {
      const hit = d.and(rest, u.addrSet(r.field === "src" ? u.L.src : u.L.dst, r.ranges));
      if (hit !== EMPTY) emit({ flow: w.with(f, hit), verdict: "drop", by: null, reason: r.reason }, undefined, null);
      rest = d.diff(rest, hit);
    }
    if (rest !== EMPTY) out.push(rest === f.set ? f : w.with(f, rest));
  }
  return out;
}

/** A flow whose ESTABLISHED packets have their own history, as two flows. */
function splitEst(w: Walker, f: Flow): Flow[] {
  const e = f.est;
  if (!e) return [f];
  const d = w.dd;
  const u = w.u;
  const out: Flow[] = [];
  const a = d.and(f.set, u.ctFresh);
  const b = d.and(f.set, u.ctEst);
  if (a !== EMPTY) out.push(withHistory(f, a, f));
  if (b !== EMPTY) out.push(withHistory(f, b, e));
  return out;
}

/** Runs the nat stage: NEW/RELATED traverse it, ESTABLISHED get their first packet's binding silently. */
function natStage(w: Walker, st: Stage, flows: Flow[], mode: "run" | "skip", paths: boolean, keepEst: boolean): { go: Flow[]; ended: Out[] } {
  if (mode === "skip") return { go: flows, ended: [] };
  const u = w.u;
  const d = u.dd;
  const go: Flow[] = [];
  const ended: Out[] = [];
  const { ctFresh, ctEst } = u;
  for (const f of flows) {
    if (f.env.untracked) {
      go.push(f);
      continue;
    }
    const fresh = d.and(f.set, ctFresh);
    const est = d.and(f.set, ctEst);
    const other = d.diff(f.set, d.or(fresh, est));
    if (other !== EMPTY) go.push(w.with(f, other));
    if (fresh !== EMPTY && est !== EMPTY && w.fast && !w.readsConntrack(st)) {
      // no rule tells a NEW packet from one walked "as new": one walk for both,
      // the ESTABLISHED part keeping no steps and the deciding rules it had
      const r = w.runStage(st, [w.with(f, d.or(fresh, est))], paths);
      const before: History = { path: f.path, filterBy: f.filterBy, lastAccept: f.lastAccept };
      for (const g of r.go) {
        if (keepEst && g.env.dst !== undefined) {
          // DNATed: left whole for the pipeline (splitting ~10^5 such flows by state costs more than all else)
          const hasEst = d.meets(g.set, ctEst);
          if (hasEst && !d.meets(g.set, ctFresh)) go.push(withHistory(g, g.set, before));
          else go.push(hasEst ? mkFlow(g.set, g.env, g.key, g.path, g.choices, g.filterBy, g.lastAccept, before) : g);
          continue;
        }
        go.push(...splitEst(w, mkFlow(g.set, g.env, g.key, g.path, g.choices, g.filterBy, g.lastAccept, before)));
      }
      for (const o of r.ended) {
        const a = d.and(o.flow.set, ctFresh);
        const b = d.and(o.flow.set, ctEst);
        if (a !== EMPTY) ended.push({ ...o, flow: w.with(o.flow, a) });
        if (b !== EMPTY) ended.push({ ...o, flow: mkFlow(b, o.flow.env, o.flow.key, f.path, o.flow.choices, o.flow.filterBy, o.flow.lastAccept) });
      }
      continue;
    }
    if (fresh !== EMPTY) {
      const r = w.runStage(st, [w.with(f, fresh)], paths);
      go.push(...r.go);
      ended.push(...r.ended);
    }
    if (est !== EMPTY) {
      const e2: Env = { ...f.env, asNew: true };
      const r = w.runStage(st, [w.with(f, est, e2)], false);
      for (const g of r.go) {
        const env = { ...g.env, asNew: false };
        go.push(w.rekey(g, env, f.filterBy, f.lastAccept));
      }
      ended.push(...r.ended);
    }
  }
  return { go, ended };
}

const natViews = new WeakMap<Env, Pick<OutcomePart, "nat" | "rewritten">>();
const addrText = { ipv4: new Map<bigint, string>(), ipv6: new Map<bigint, string>() };

function fmt(a: bigint, fam: SymUniverse["family"]): string {
  const m = addrText[fam];
  let t = m.get(a);
  if (t === undefined) {
    t = formatAddr(a, fam);
    if (m.size > 200_000) m.clear();
    m.set(a, t);
  }
  return t;
}

type NatView = Pick<OutcomePart, "nat" | "rewritten">;

function natStep(n: NatRecord, fam: SymUniverse["family"]): OutcomePart["nat"][number] {
  const x: OutcomePart["nat"][number] = { kind: n.kind, line: n.line };
  if (n.addr !== undefined) x.addr = fmt(n.addr, fam);
  if (n.portChosen !== undefined) x.portChosen = portChoiceText(n);
  else if (n.port !== undefined) x.port = n.port;
  return x;
}

/** What NAT did, as OutcomePart shows it; shared by every part with the same env. */
function natView(env: Env, fam: SymUniverse["family"]): NatView {
  let v = natViews.get(env);
  if (!v) {
    const rewritten: OutcomePart["rewritten"] = {};
    if (env.src !== undefined) rewritten.src = fmt(env.src, fam);
    if (env.dst !== undefined) rewritten.dst = fmt(env.dst, fam);
    if (env.sport === KERNEL_PORT) rewritten.sportChosen = portChoiceText(portPicker(env.nat)!);
    else if (env.sport !== undefined) rewritten.sport = env.sport;
    if (env.dport !== undefined) rewritten.dport = env.dport;
    v = { nat: env.nat.map((n) => natStep(n, fam)), rewritten };
    natViews.set(env, v);
  }
  return v;
}

const addedViews = new WeakMap<readonly NatRecord[], OutcomePart["nat"]>();

const afterViews = new WeakMap<Env, Map<readonly NatRecord[], NatView>>();

/** The view of env after more NAT records (a cached walk's), from env's view; shared by the parts of one flow. */
function natViewAfter(env: Env, added: readonly NatRecord[], fam: SymUniverse["family"]): NatView {
  let byAdded = afterViews.get(env);
  if (!byAdded) afterViews.set(env, (byAdded = new Map()));
  let r = byAdded.get(added);
  if (!r) byAdded.set(added, (r = natViewAfterOnce(env, added, fam)));
  return r;
}

function natViewAfterOnce(env: Env, added: readonly NatRecord[], fam: SymUniverse["family"]): NatView {
  const v = natView(env, fam);
  let steps = addedViews.get(added);
  if (!steps) addedViews.set(added, (steps = added.map((n) => natStep(n, fam))));
  const rewritten = { ...v.rewritten };
  for (const r of added) {
    const dest = r.kind === "DNAT" || r.kind === "REDIRECT";
    if (r.addr !== undefined) rewritten[dest ? "dst" : "src"] = fmt(r.addr, fam);
    if (r.portChosen !== undefined) rewritten.sportChosen = portChoiceText(r);
    else if (r.port !== undefined) rewritten[dest ? "dport" : "sport"] = r.port;
  }
  return { nat: v.nat.concat(steps), rewritten };
}

/** The outcome of a part that a chain ended. */
function verdictOutcome(v: Verdict): OutcomePart["outcome"] {
  return v === "drop" ? "dropped" : v === "reject" ? "rejected" : v === "undecided" ? "undecided" : "local";
}

function toPart(u: SymUniverse, o: Out, outcome: OutcomePart["outcome"] | undefined, routing: OutcomePart["routing"]): OutcomePart {
  const env = o.flow.env;
  const oc: OutcomePart["outcome"] = outcome ?? verdictOutcome(o.verdict);
  const nv = natView(env, u.family);
  const part: OutcomePart = {
    set: u.set(o.flow.set),
    outcome: oc,
    decidedBy: outcome ? (o.flow.filterBy ?? o.flow.lastAccept ?? null) : o.by,
    path: pathArray(o.flow.path),
    nat: nv.nat,
    rewritten: nv.rewritten,
    routing,
  };
  if (o.reason) part.reason = o.reason;
  if (o.flow.choices) part.choices = choiceArray(o.flow.choices);
  return part;
}

const walkers = new WeakMap<SymUniverse, WeakMap<Dump, Walker>>();

/**
 * One walker per universe and dump, so that rule compilations, indexes and
 * cached walks serve every later call (lint asks for many chains of one dump).
 */
function walkerFor(u: SymUniverse, dump: Dump, fast: boolean): Walker {
  if (!fast) return new Walker(u, dump, false);
  let m = walkers.get(u);
  if (!m) walkers.set(u, (m = new WeakMap()));
  let w = m.get(dump);
  if (!w) m.set(dump, (w = new Walker(u, dump, true)));
  w.steps = 0;
  return w;
}

type Emit = (o: Out, outcome: OutcomePart["outcome"] | undefined, routing: OutcomePart["routing"]) => void;

/** Runs flows through a list of stages; parts that a stage ends are emitted. */
function runStages(w: Walker, list: readonly Stage[], fl: Flow[], nat: "run" | "skip", routing: OutcomePart["routing"], emit: Emit, paths: boolean, keepEst = false): Flow[] {
  for (const st of list) {
    const r = st.table === "nat" ? natStage(w, st, fl, nat, paths, keepEst) : w.runStage(st, fl, paths);
    for (const o of r.ended) if (o.flow.set !== EMPTY) emit(o, undefined, routing);
    fl = r.go;
    if (st.table === "raw") fl = fl.map((f) => (f.env.preCt ? w.with(f, f.set, { ...f.env, preCt: false }) : f));
  }
  return fl;
}

/** Routing, then INPUT or FORWARD and POSTROUTING, for flows that left PREROUTING. */
function afterPrerouting(w: Walker, flows: Flow[], emit: Emit, paths: boolean): void {
  const r = routeFlows(w, flows);
  for (const o of r.martian) emit(o, undefined, null);
  const local = { decision: "local" as const, oif: null };
  for (const f of runStages(w, INPUT, r.local, "run", local, emit, paths)) emit({ flow: f, verdict: "accept", by: null }, "local", local);
  // forwarded flows: one routing per oif
  const byOif = new Map<string, Flow[]>();
  for (const f of r.fwd) {
    const l = byOif.get(f.env.oif!);
    if (l) l.push(f);
    else byOif.set(f.env.oif!, [f]);
  }
  for (const [oif, fl] of byOif) {
    const routing = { decision: "forward" as const, oif };
    const after = runStages(w, POSTROUTING, runStages(w, FORWARD, fl, "run", routing, emit, paths), "run", routing, emit, paths);
    for (const f of after) emit({ flow: f, verdict: "accept", by: null }, "forwarded", routing);
  }
}

/** A cached ending of afterPrerouting for the whole space under one env class. */
interface CachedEnd extends CachedOut {
  /** In Pipeline.estSplit's lists: the ESTABLISHED half (the flow's Flow.est history applies). */
  est?: boolean;
  outcome: OutcomePart["outcome"] | undefined;
  routing: OutcomePart["routing"];
  filterBy: RuleRef | null;
  lastAccept: RuleRef | null;
}

/**
 * afterPrerouting for flows whose addresses NAT made constant: the walk of
 * the whole space for their env class, cached, intersected with each flow's
 * set. A kube-proxy dump sends ~10^4 DNATed endpoint flows this way; their
 * parts are then one intersection each (shared by the endpoints of a service).
 */
class Pipeline {
  private readonly cache = new Map<string, CachedEnd[]>();
  private bounds?: Boundaries;
  private readonly keys = new Map<number, string>();

  constructor(
    readonly w: Walker,
    readonly paths: boolean,
  ) {}

  private key(f: Flow): string {
    let k = this.keys.get(f.key);
    if (k !== undefined) return k;
    const b = (this.bounds ??= this.w.pipelineBoundaries());
    const e = f.env;
    k = classKey(b, e);
    // bounded: a DNATed flow's env is its own, so most keys are asked once
    if (this.keys.size >= 1 << 16) this.keys.clear();
    this.keys.set(f.key, k);
    return k;
  }

  private ends(f: Flow): CachedEnd[] {
    const w = this.w;
    const k = this.key(f);
    let cached = this.cache.get(k);
    if (!cached) {
      const list: CachedEnd[] = [];
      afterPrerouting(
        w,
        [w.repOf(f)],
        (o, outcome, routing) => list.push({ ...cachedOut(o, f.env), outcome, routing, filterBy: o.flow.filterBy, lastAccept: o.flow.lastAccept }),
        this.paths,
      );
      // equal NAT additions as one array: a flow's NAT views are then shared by its parts
      const same = new Map<string, NatRecord[]>();
      for (const c of list) {
        const nk = natKey(c.natAdded);
        const one = same.get(nk);
        if (one) c.natAdded = one;
        else same.set(nk, c.natAdded);
      }
      this.cache.set(k, (cached = list));
    }
    return cached;
  }

  private readonly meeting = new Map<CachedEnd[], { classes: number[][]; byProjection: Map<number, number[]> }>();

  /**
   * The indices of the ends whose sets meet the flow's. The ends tell few
   * values apart (after DNAT a flow's addresses are constants, so its
   * original destination is seldom tested again); widened to the classes
   * they distinguish, the flows of thousands of services are a handful of
   * sets, tested once each.
   */
  private meetingEnds(f: Flow, list: CachedEnd[]): number[] {
    const d = this.w.dd;
    let m = this.meeting.get(list);
    if (!m) this.meeting.set(list, (m = { classes: d.classes(list.map((c) => c.set)), byProjection: new Map() }));
    const p = d.project(f.set, m.classes);
    let idx = m.byProjection.get(p);
    if (!idx) {
      idx = [];
      for (let j = 0; j < list.length; j++) if (d.meets(p, list[j]!.set)) idx.push(j);
      m.byProjection.set(p, idx);
    }
    return idx;
  }

  private readonly merged = new Map<CachedEnd[], CachedEnd[]>();

  /** Without paths: ends that behave alike are one end (fewer intersections per flow). */
  mergedEnds(f: Flow): CachedEnd[] {
    const list = this.ends(f);
    let m = this.merged.get(list);
    if (m) return m;
    const byKey = new Map<string, CachedEnd>();
    const d = this.w.dd;
    for (const c of list) {
      const k = `${c.outcome ?? c.verdict}|${c.reason ?? ""}|${refKey(c.by)}|${refKey(c.filterBy)}|${refKey(c.lastAccept)}|${natKey(c.natAdded)}|${c.choices.map((x) => `${x.table}/${x.line}${x.matched}`).join(",")}|${c.routing?.decision ?? ""}|${c.routing?.oif ?? ""}`;
      const g = byKey.get(k);
      if (g) byKey.set(k, { ...g, set: d.or(g.set, c.set) });
      else byKey.set(k, c);
    }
    m = [...byKey.values()];
    this.merged.set(list, m);
    return m;
  }

  /**
   * The flow's parts: one small object per cached end it meets. A kube-proxy
   * dump has ~10^6 of them; their sets, paths, NAT views and choices are
   * built when read (most parts are only filtered on outcome and routing).
   */
  parts(f: Flow, push: (p: OutcomePart) => void): void {
    const e = f.est;
    const list = e ? this.estSplit(this.ends(f)) : this.ends(f);
    const meet = this.meetingEnds(f, list);
    if (meet.length === 0) return;
    const g = new FlowParts(this.w, f);
    // the ESTABLISHED halves: the same env and choices, the history from before nat
    const h = e ? new FlowParts(this.w, withHistory(f, f.set, e)) : g;
    for (const j of meet) {
      const c = list[j]!;
      push(new EndPart(c.est ? h : g, c));
    }
  }

  private readonly halves = new Map<CachedEnd[], CachedEnd[]>();

  /** Each end as its NEW/RELATED and its ESTABLISHED half (for flows that keep Flow.est). */
  private estSplit(list: CachedEnd[]): CachedEnd[] {
    let m = this.halves.get(list);
    if (m) return m;
    const d = this.w.dd;
    const u = this.w.u;
    m = [];
    for (const c of list) {
      const a = d.and(c.set, u.ctFresh);
      const b = d.and(c.set, u.ctEst);
      if (a !== EMPTY) m.push({ ...c, set: a, est: false });
      if (b !== EMPTY) m.push({ ...c, set: b, est: true });
    }
    this.halves.set(list, m);
    return m;
  }
}

/** What the parts of one flow share: the flow, and its path and choices as arrays once read. */
class FlowParts {
  private pre?: PathStep[];
  private before?: Choice[];
  // the last NAT view asked for: a flow's parts mostly share their ends' NAT, and lint reads it for every part
  private lastAdded?: readonly NatRecord[];
  private lastView?: NatView;
  constructor(
    readonly w: Walker,
    readonly f: Flow,
  ) {}
  prefix(): PathStep[] {
    return (this.pre ??= pathArray(this.f.path));
  }
  choices(): Choice[] {
    return (this.before ??= choiceArray(this.f.choices));
  }
  natView(added: readonly NatRecord[]): NatView {
    if (this.lastAdded === added) return this.lastView!;
    const fam = this.w.u.family;
    const v = added.length ? natViewAfter(this.f.env, added, fam) : natView(this.f.env, fam);
    this.lastAdded = added;
    this.lastView = v;
    return v;
  }
}

/**
 * A part of a flow that took one cached end of the pipeline (OutcomePart,
 * read lazily). Spreading one loses the read-on-demand fields: read them by
 * name, or take plainPart(p) (JSON.stringify does, through toJSON).
 */
class EndPart implements OutcomePart {
  // three fields: there are ~10^6 of these
  private s: PacketSet | undefined = undefined;
  constructor(
    private readonly g: FlowParts,
    private readonly c: CachedEnd,
  ) {}
  get outcome(): OutcomePart["outcome"] {
    return this.c.outcome ?? verdictOutcome(this.c.verdict);
  }
  get decidedBy(): RuleRef | null {
    const { c, g } = this;
    return c.outcome ? (c.filterBy ?? g.f.filterBy ?? c.lastAccept ?? g.f.lastAccept ?? null) : c.by;
  }
  get routing(): OutcomePart["routing"] {
    return this.c.routing;
  }
  get set(): PacketSet {
    return (this.s ??= PacketSet.deferred(this.g.w.dd, this.g.f.set, this.c.set));
  }
  get reason(): string | undefined {
    return this.c.reason;
  }
  get path(): PathStep[] {
    const pre = this.g.prefix();
    return this.c.steps.length ? pre.concat(this.c.steps) : pre.slice();
  }
  /** The path as the flow's prefix and the cached end's steps, both shared with other parts. */
  segments(): readonly (readonly PathStep[])[] {
    return [this.g.prefix(), this.c.steps];
  }
  get nat(): OutcomePart["nat"] {
    return this.g.natView(this.c.natAdded).nat;
  }
  get rewritten(): OutcomePart["rewritten"] {
    return this.g.natView(this.c.natAdded).rewritten;
  }
  get choices(): Choice[] | undefined {
    const before = this.g.choices();
    const mine = this.c.choices;
    return mine.length ? (before.length ? before.concat(mine) : mine) : before.length ? before : undefined;
  }
  toJSON(): OutcomePart {
    return plainPart(this);
  }
}

/**
 * A part's path as the runs of steps it is made of (`path` is their
 * concatenation). Parts of a big partition share their runs: a caller that
 * visits every step of every part can visit each run once (by identity).
 */
export function pathSegments(p: OutcomePart): readonly (readonly PathStep[])[] {
  return p instanceof EndPart ? p.segments() : [p.path];
}

/** A part as a plain object (every field read by name): safe to spread, compare or serialise. */
export function plainPart(q: OutcomePart): OutcomePart {
  const p: OutcomePart = { set: q.set, outcome: q.outcome, decidedBy: q.decidedBy, path: q.path, nat: q.nat, rewritten: q.rewritten, routing: q.routing };
  if (q.reason) p.reason = q.reason;
  if (q.choices) p.choices = q.choices;
  return p;
}

/**
 * The union of many sets of one universe. The parts of a big partition keep
 * their sets as deferred intersections; this joins those of one cached walk's
 * part before building anything, far cheaper than pairwise unions.
 */
export function unionAll(u: Universe, sets: readonly PacketSet[]): PacketSet {
  return PacketSet.unionOf((u as SymUniverse).dd, sets);
}

/** The partition of the input packets by what the whole path does to them. */
export function analyze(dump: Dump, opts: AnalyzeOptions = {}): OutcomePart[] {
  return analyzeWith(dump, opts, true);
}

/** analyze(), optionally without rule indexes and cached walks: tests check both agree. */
export function analyzeWith(dump: Dump, opts: AnalyzeOptions, fast: boolean): OutcomePart[] {
  const u = universeFor(dump, opts);
  const w = walkerFor(u, dump, fast);
  const d = u.dd;
  const dir = opts.direction ?? "inbound";
  const space = dir === "inbound" ? u.inbound() : u.localOut();
  const input = opts.input ? d.and(space.node, opts.input.node) : space.node;
  const paths = opts.paths ?? true;
  // a fix proof compares the same original dump with each patched one: its analysis is kept
  const memoKey = `${dir}|${input}|${+paths}`;
  const known = fast ? w.results.get(memoKey) : undefined;
  if (known) return known;
  const parts = partition(w, dir, input, paths, fast);
  if (fast) w.results.set(memoKey, parts);
  return parts;
}

function partition(w: Walker, dir: Direction, input: number, paths: boolean, fast: boolean): OutcomePart[] {
  const u = w.u;
  const d = u.dd;
  const parts: OutcomePart[] = [];
  // without paths, parts that behave alike are one part: (outcome, reason, deciding rule, NAT, choices, routing);
  // each keeps its first member (a walk's part, or a flow and the cached end it took) and the union of the sets
  const same = new Map<string, { set: number; first: (() => OutcomePart) }>();
  const lean = (k: string, set: number, first: () => OutcomePart) => {
    const g = same.get(k);
    if (g) g.set = d.or(g.set, set);
    else same.set(k, { set, first });
  };
  // the same key for a walk's part and a pipeline end's, so that alike parts of both meet
  const key = (verdict: string, reason: string | undefined, by: RuleRef | null, nat: string, choices: string, r: OutcomePart["routing"]) =>
    `${verdict}|${reason ?? ""}|${refKey(by)}|${nat}|${choices}|${r?.decision ?? ""}|${r?.oif ?? ""}`;
  const emit: Emit = (o, outcome, routing) => {
    if (paths) {
      parts.push(toPart(u, o, outcome, routing));
      return;
    }
    const by = outcome ? (o.flow.filterBy ?? o.flow.lastAccept) : o.by;
    lean(key(outcome ?? o.verdict, o.reason, by, natKey(o.flow.env.nat), choiceKey(o.flow.choices), routing), o.flow.set, () => toPart(u, o, outcome, routing));
  };
  const pipeline = new Pipeline(w, paths);
  // a flow through the pipeline's ends without paths: no flow or env is made per end, only the key
  const leanEnds = (f: Flow) => {
    const g = new FlowParts(w, f);
    for (const c of pipeline.mergedEnds(f)) {
      const set = d.and(f.set, c.set);
      if (set === EMPTY) continue;
      const part = new EndPart(g, c);
      const nat = [natKey(f.env.nat), natKey(c.natAdded)].filter(Boolean).join(";");
      const choices = [choiceKey(f.choices), c.choices.map(choiceText).join(",")].filter(Boolean).join(",");
      lean(key(c.outcome ?? c.verdict, c.reason, part.decidedBy, nat, choices, c.routing), set, () => ({ ...plainPart(part), path: [] }));
    }
  };
  const env0 = initialEnv();
  let flows: Flow[] = [w.start(input, env0)];
  if (input === EMPTY) return [];
  const stages = (list: readonly Stage[], fl: Flow[], nat: "run" | "skip", routing: OutcomePart["routing"]) => runStages(w, list, fl, nat, routing, emit, paths);
  if (dir === "inbound") {
    // DNATed flows leave nat whole, their ESTABLISHED packets' history aside (Flow.est)
    flows = runStages(w, PREROUTING, rcvDrops(w, flows, emit), "run", null, emit, paths, fast);
    const direct: Flow[] = [];
    const push = (p: OutcomePart) => parts.push(p);
    for (const f of flows) {
      if (!fast || (f.env.dst === undefined && f.env.src === undefined)) direct.push(...splitEst(w, f));
      else if (paths) pipeline.parts(f, push);
      else for (const h of splitEst(w, f)) leanEnds(h);
    }
    afterPrerouting(w, direct, emit, paths);
  } else {
    // from the host: route, OUTPUT, reroute after DNAT, POSTROUTING, loop back on lo for local destinations
    const r0 = routeFlows(w, flows);
    const routed = [...r0.local.map((f) => w.with(f, f.set, { ...f.env, oif: "lo" })), ...r0.fwd];
    let fl = stages(OUTPUT.slice(0, 3), routed, "run", null);
    const rr = routeFlows(w, fl.map((f) => w.with(f, f.set, { ...f.env, oif: null })));
    for (const o of rr.martian) emit(o, undefined, null);
    fl = [...rr.local.map((f) => w.with(f, f.set, { ...f.env, oif: "lo" })), ...rr.fwd];
    fl = stages(POSTROUTING, stages(OUTPUT.slice(3), fl, "run", null), "run", null);
    const loop = fl.filter((f) => f.env.oif === "lo").map((f) => w.with(f, f.set, { ...f.env, iifOverride: "lo", oif: null }));
    const out = fl.filter((f) => f.env.oif !== "lo");
    const lr = { decision: "local" as const, oif: "lo" };
    for (const f of stages(INPUT, stages(PREROUTING, loop, "skip", lr), "skip", lr)) emit({ flow: f, verdict: "accept", by: null }, "local", lr);
    for (const f of out) emit({ flow: f, verdict: "accept", by: null }, "forwarded", { decision: "forward", oif: f.env.oif });
  }
  for (const g of same.values()) parts.push({ ...g.first(), set: u.set(g.set) });
  return parts;
}

/** What one chain (and the user chains it calls) decides for packets reaching it unchanged. */
export function chainVerdicts(dump: Dump, table: string, chain: string, input: PacketSet, opts: { universe: Universe; hook: Hook }): ChainPart[] {
  return chainVerdictsWith(dump, table, chain, input, opts, true);
}

/** chainVerdicts(), optionally without rule indexes: tests check both agree. */
export function chainVerdictsWith(dump: Dump, table: string, chain: string, input: PacketSet, opts: { universe: Universe; hook: Hook; oif?: string | null }, fast: boolean): ChainPart[] {
  const u = opts.universe as SymUniverse;
  const w = walkerFor(u, dump, fast);
  const ch = userChain(dump, table, chain);
  if (!ch) return [{ set: input, verdict: "return", decidedBy: null, path: [] }];
  // oif: the interface routing chose (queries.ts routes each part for hooks after routing)
  const env: Env = { ...initialEnv(), preCt: table === "raw", oif: opts.oif ?? null };
  const f = w.start(input.node, env);
  const out: ChainPart[] = [];
  for (const o of w.walkChain(table, opts.hook, ch, f, 0, true)) {
    const natDone = o.verdict === "accept" && o.flow.env.nat.length > (env.nat.length ?? 0);
    let verdict: ChainPart["verdict"] = natDone ? "nat" : o.verdict;
    let by = o.by;
    const path = pathArray(o.flow.path);
    if (o.verdict === "return" && ch.builtin) {
      verdict = ch.policy === "DROP" ? "policy-drop" : "policy-accept";
      by = { table, chain, line: declLine(ch) };
    }
    const choices = choiceArray(o.flow.choices);
    out.push({ set: u.set(o.flow.set), verdict, ...(o.reason ? { reason: o.reason } : {}), decidedBy: by, path, ...(choices.length ? { choices } : {}) });
  }
  return out;
}

/** What compare() compares: outcome, why, where the packet ends up. */
function behaviourKey(p: OutcomePart): string {
  const r = p.rewritten;
  return `${p.outcome}|${p.reason ?? ""}|${r.dst ?? ""}|${r.dport ?? ""}|${r.src ?? ""}|${r.sport ?? ""}|${p.routing?.oif ?? ""}`;
}

/**
 * The packets whose outcome, final address/port or output interface differ
 * between two rulesets. With statistic choices a packet has several possible
 * behaviours; it differs when one side can do something the other cannot,
 * and each Difference pairs a part of one side with a part of the other that
 * the packets are in. For deterministic rulesets these are exactly the
 * intersecting pairs of parts that behave differently.
 */
export function compare(a: Dump, b: Dump, opts: AnalyzeOptions = {}): Difference[] {
  const host = analysisHost([a, b], opts.host);
  const u = (opts.universe as SymUniverse | undefined) ?? new SymUniverse(a.family, host, [a, b]);
  const o = { ...opts, universe: u };
  const pa = analyze(a, o);
  const pb = analyze(b, o);
  const d = u.dd;
  const group = (parts: OutcomePart[]) => {
    const m = new Map<string, { idx: number[]; set: number }>();
    parts.forEach((p, i) => {
      const k = behaviourKey(p);
      const g = m.get(k);
      if (g) {
        g.idx.push(i);
        g.set = d.or(g.set, p.set.node);
      } else m.set(k, { idx: [i], set: p.set.node });
    });
    return m;
  };
  const ga = group(pa);
  const gb = group(pb);
  const keysA = pa.map(behaviourKey);
  const keysB = pb.map(behaviourKey);
  // (index in pa, index in pb) -> the differing packets of that pair
  const pairs = new Map<number, number>();
  const add = (i: number, j: number, set: number) => {
    const k = i * pb.length + j;
    const prev = pairs.get(k);
    pairs.set(k, prev === undefined ? set : d.or(prev, set));
  };
  // the packets one side can treat as `k` and the other cannot, against every part of the other side
  const oneWay = (mine: typeof ga, theirs: typeof ga, mineParts: OutcomePart[], theirParts: OutcomePart[], theirKeys: string[], pair: (m: number, t: number, s: number) => void) => {
    for (const [k, g] of mine) {
      const only = d.diff(g.set, theirs.get(k)?.set ?? EMPTY);
      if (only === EMPTY) continue;
      for (const i of g.idx) {
        const sx = d.and(mineParts[i]!.set.node, only);
        if (sx === EMPTY) continue;
        theirParts.forEach((y, j) => {
          if (theirKeys[j] === k) return;
          const s = d.and(sx, y.set.node);
          if (s !== EMPTY) pair(i, j, s);
        });
      }
    }
  };
  oneWay(ga, gb, pa, pb, keysB, add);
  oneWay(gb, ga, pb, pa, keysA, (j, i, s) => add(i, j, s));
  return [...pairs.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([k, set]) => ({ set: u.set(set), before: pa[Math.floor(k / pb.length)]!, after: pb[k % pb.length]! }));
}
