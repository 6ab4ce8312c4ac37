// The exact symbolic engine: walks sets of arriving packets through the same
// hooks and chains as the concrete tracer, splitting them wherever a rule
// decides differently, and returns the partition by whole-path behaviour.
//
// A flow is (set of arriving packets, Env, path): everything in the set has
// had the same rewrites, marks and rule hits so far. Within a chain a flow is
// not shrunk rule by rule (that copies wide nodes once per rule); the parts
// that left are remembered, indexed by the destination/port they were matched
// on, and subtracted only from the rules they can overlap.
import type { Chain, Dump, Rule } from "../syntax/ast.js";
import { formatAddr } from "../syntax/inet.js";
import type { AnalyzeOptions, ChainPart, Difference, Hook, HostModel, OutcomePart, PacketSet, PathStep, RuleRef, Universe } from "./api.js";
import { applyEffect, envKey, initialEnv, touchesCtmark, type Env } from "./env.js";
import { addrTypeRanges, hostFacts, inferHost, MARTIAN_DST, MARTIAN_SRC, PLACEHOLDER } from "./host.js";
import { declLine, FORWARD, INPUT, MAX_STEPS, OUTPUT, POSTROUTING, PREROUTING, stageChain, userChain, type Stage } from "./model.js";
import { semantics, type RuleSemantics } from "./rules.js";
import { EMPTY, FULL, type Dd } from "./sets.js";
import { SymUniverse, type Tri3 } from "./universe.js";

interface PathNode {
  id: number;
  step: PathStep;
  prev: PathNode | null;
}

interface Flow {
  set: number;
  env: Env;
  key: string;
  path: PathNode | null;
  filterBy?: RuleRef;
  lastAccept?: RuleRef;
}

type Verdict = "accept" | "drop" | "reject" | "return" | "undecided";

interface Out {
  flow: Flow;
  verdict: Verdict;
  by: RuleRef | null;
  reason?: string;
}

let pathIds = 0;

function pathArray(p: PathNode | null): PathStep[] {
  const out: PathStep[] = [];
  for (let n = p; n; n = n.prev) out.push(n.step);
  return out.reverse();
}

/** The destination address and port a rule's match pins down, used to index what left a chain. */
function pins(sem: RuleSemantics, env: Env): { dst?: bigint; dport?: number } {
  const out: { dst?: bigint; dport?: number } = {};
  const walk = (c: RuleSemantics["match"]) => {
    if (c.k === "and") c.cs.forEach(walk);
    else if (c.k === "addr" && c.field === "dst" && env.dst === undefined && c.ranges.length === 1 && c.ranges[0]![0] === c.ranges[0]![1]) out.dst = c.ranges[0]![0];
    else if (c.k === "num" && c.field === "dport" && env.dport === undefined && c.ranges.length === 1 && c.ranges[0]![0] === c.ranges[0]![1]) out.dport = c.ranges[0]![0];
  };
  walk(sem.match);
  return out;
}

class Walker {
  readonly dd: Dd;
  private readonly compiled = new Map<Rule, Map<string, Tri3>>();
  private readonly index = new WeakMap<Chain, { byDst: Map<bigint, number[]>; wide: number[] }>();
  steps = 0;

  constructor(
    readonly u: SymUniverse,
    readonly dump: Dump,
  ) {
    this.dd = u.dd;
  }

  private compile(sem: RuleSemantics, f: Flow): Tri3 {
    let m = this.compiled.get(sem.rule);
    if (!m) this.compiled.set(sem.rule, (m = new Map()));
    // only the parts of the env the match reads tell compilations apart
    const key = readKey(sem.match, f.env);
    let r = m.get(key);
    if (!r) m.set(key, (r = this.u.compile(sem.match, f.env)));
    return r;
  }

  /** Rule indices worth trying for a flow, in order: with a NAT-constant destination, rules pinned to another one are skipped. */
  private order(ch: Chain, f: Flow, start: number): number[] | undefined {
    if (f.env.dst === undefined || ch.rules.length < 16) return undefined;
    let ix = this.index.get(ch);
    if (!ix) {
      ix = { byDst: new Map(), wide: [] };
      const fam = this.dump.family;
      for (let i = 0; i < ch.rules.length; i++) {
        const p = pins(semantics(ch.rules[i]!, fam), initialEnv());
        if (p.dst === undefined) ix.wide.push(i);
        else {
          const l = ix.byDst.get(p.dst);
          if (l) l.push(i);
          else ix.byDst.set(p.dst, [i]);
        }
      }
      this.index.set(ch, ix);
    }
    const a = ix.byDst.get(f.env.dst) ?? [];
    const out: number[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < ix.wide.length) {
      const x = j >= ix.wide.length || (i < a.length && a[i]! < ix.wide[j]!) ? a[i++]! : ix.wide[j++]!;
      if (x >= start) out.push(x);
    }
    return out;
  }

  with(f: Flow, set: number, env: Env = f.env, step?: PathStep): Flow {
    const path = step ? { id: ++pathIds, step, prev: f.path } : f.path;
    return { set, env, key: env === f.env ? f.key : envKey(env), path, ...(f.filterBy ? { filterBy: f.filterBy } : {}), ...(f.lastAccept ? { lastAccept: f.lastAccept } : {}) };
  }

  /** Walks a flow through a chain from rule `start`; returns how each part left it. */
  walkChain(table: string, hook: Hook, ch: Chain, flow0: Flow, start: number, record: boolean): Out[] {
    const d = this.dd;
    const fam = this.dump.family;
    const outs: Out[] = [];
    const work: { f: Flow; idx: number }[] = [{ f: flow0, idx: start }];
    while (work.length) {
      const { f, idx } = work.pop()!;
      const S = f.set;
      const gone: number[] = [];
      const byDst = new Map<bigint, number[]>();
      const byPort = new Map<number, number[]>();
      const noDst: number[] = [];
      const noPort: number[] = [];
      const leave = (x: number, p: { dst?: bigint; dport?: number }) => {
        const id = gone.length;
        gone.push(x);
        if (p.dst !== undefined) (byDst.get(p.dst) ?? byDst.set(p.dst, []).get(p.dst)!).push(id);
        else noDst.push(id);
        if (p.dport !== undefined) (byPort.get(p.dport) ?? byPort.set(p.dport, []).get(p.dport)!).push(id);
        else noPort.push(id);
      };
      const overlapping = (p: { dst?: bigint; dport?: number }): number[] => {
        const a = p.dst !== undefined ? [...(byDst.get(p.dst) ?? []), ...noDst] : undefined;
        const b = p.dport !== undefined ? [...(byPort.get(p.dport) ?? []), ...noPort] : undefined;
        if (a && b) return a.length <= b.length ? a : b;
        return a ?? b ?? gone.map((_, i) => i);
      };
      const order = this.order(ch, f, idx);
      const n = order ? order.length : ch.rules.length - idx;
      for (let k = 0; k < n; k++) {
        const i = order ? order[k]! : idx + k;
        if (++this.steps > MAX_STEPS * 20) throw new Error("symbolic walk did not end: the chains loop");
        const rule = ch.rules[i]!;
        const sem = semantics(rule, fam);
        const m = this.compile(sem, f);
        if (m.y === EMPTY && m.m === EMPTY) continue;
        let X = d.and(S, m.y);
        let Y = d.and(S, m.m);
        if (X === EMPTY && Y === EMPTY) continue;
        const p = pins(sem, f.env);
        for (const g of overlapping(p)) {
          X = d.diff(X, gone[g]!);
          Y = d.diff(Y, gone[g]!);
          if (X === EMPTY && Y === EMPTY) break;
        }
        const by: RuleRef = { table, chain: ch.name, line: rule.span.line };
        if (Y !== EMPTY) {
          outs.push({ flow: this.with(f, Y), verdict: "undecided", by, reason: `depends on ${m.why} at line ${rule.span.line}` });
          leave(Y, p);
        }
        if (X === EMPTY) continue;
        leave(X, p);
        const step: PathStep | undefined = record ? { table, chain: ch.name, line: rule.span.line, target: sem.targetName, hook } : undefined;
        const a = sem.action;
        if (a.k === "none") {
          work.push({ f: this.with(f, X, f.env, step), idx: i + 1 });
          continue;
        }
        if (a.k === "return") {
          outs.push({ flow: this.with(f, X, f.env, step), verdict: "return", by });
          continue;
        }
        if (a.k === "jump" || a.k === "goto") {
          const target = userChain(this.dump, table, a.chain);
          if (!target) {
            outs.push({ flow: this.with(f, X), verdict: "undecided", by, reason: `depends on chain ${a.chain} (not in the dump) at line ${rule.span.line}` });
            continue;
          }
          const sub = this.walkChain(table, hook, target, this.with(f, X, f.env, step), 0, record);
          for (const o of sub) {
            if (o.verdict === "return" && a.k === "jump") work.push({ f: o.flow, idx: i + 1 });
            else outs.push(o);
          }
          continue;
        }
        // an effect on the ctmark applies only to packets with a conntrack entry
        const tr = touchesCtmark(a.effect) ? this.u.tracked(f.env) : FULL;
        const redirect = a.effect.k === "nat" && a.effect.kind === "REDIRECT" && f.env.iifOverride === undefined;
        // REDIRECT sends to the incoming device's address: one part per device
        const byIif = redirect ? this.u.atoms.names.map((n, k) => [d.and(X, d.range(this.u.L.iif, [[k, k]])), n] as const) : [[X, f.env.iifOverride ?? null] as const];
        for (const [px, iif] of byIif)
          for (const [part, tracked] of [[d.and(px, tr), true], [d.diff(px, tr), false]] as const) {
            if (part === EMPTY) continue;
            const r = applyEffect(a.effect, f.env, rule.span.line, this.u.host, { iif, family: fam, tracked });
            if (r.k === "continue") work.push({ f: this.with(f, part, r.env, step), idx: i + 1 });
            else if (r.k === "undecided") outs.push({ flow: this.with(f, part, f.env, step), verdict: "undecided", by, reason: `depends on ${r.module} at line ${rule.span.line}` });
            else if (r.k === "accept") outs.push({ flow: this.with(f, part, r.env, step), verdict: "accept", by });
            else outs.push({ flow: this.with(f, part, f.env, step), verdict: r.k, by });
          }
      }
      const rest = d.diff(S, d.orAll(gone));
      if (rest !== EMPTY) outs.push({ flow: this.with(f, rest), verdict: "return", by: null });
    }
    return outs;
  }

  /** One stage (a built-in chain): returns the flows that go on and the parts it ended. */
  runStage(st: Stage, flows: Flow[], record: boolean): { go: Flow[]; ended: Out[] } {
    const base = stageChain(this.dump, st);
    if (!base) return { go: flows, ended: [] };
    const go: Flow[] = [];
    const ended: Out[] = [];
    for (const f of flows) {
      for (const o of this.walkChain(st.table, st.hook, base, f, 0, record)) {
        let { flow } = o;
        let verdict = o.verdict;
        let by = o.by;
        if (verdict === "return") {
          const line = declLine(base);
          const policy = base.policy ?? "ACCEPT";
          by = { table: st.table, chain: base.name, line };
          flow = this.with(flow, flow.set, flow.env, record ? { table: st.table, chain: base.name, line, target: `policy:${policy}`, hook: st.hook } : undefined);
          verdict = policy === "DROP" ? "drop" : "accept";
        }
        if (verdict === "accept") {
          flow = { ...flow, lastAccept: by!, ...(st.table === "filter" ? { filterBy: by! } : {}) };
          go.push(flow);
        } else ended.push({ ...o, flow, verdict, by });
      }
    }
    return { go: merge(this.dd, go), ended };
  }
}

const readsCache = new WeakMap<object, Set<string>>();

/** The env fields a constraint's compilation depends on. */
function reads(c: RuleSemantics["match"]): Set<string> {
  let r = readsCache.get(c);
  if (r) return r;
  r = new Set<string>();
  const out = r;
  const ct = () => ["preCt", "untracked", "asNew"].forEach((x) => out.add(x));
  const walk = (x: RuleSemantics["match"]) => {
    switch (x.k) {
      case "and":
      case "or":
        x.cs.forEach(walk);
        break;
      case "not":
        walk(x.c);
        break;
      case "addr":
        if (x.field.startsWith("ct")) ct();
        if (x.field === "src" || x.field === "ctrepldst") out.add("src");
        if (x.field === "dst" || x.field === "ctreplsrc") out.add("dst");
        break;
      case "num":
        if (x.field.startsWith("ct")) ct();
        if (x.field === "sport" || x.field === "ctrepldport") out.add("sport");
        if (x.field === "dport" || x.field === "ctreplsport") out.add("dport");
        break;
      case "bits":
        ct();
        out.add(x.field === "ctstatus" ? "nat" : x.field === "mark" ? "mark" : x.field === "ctmark" ? "ctmark" : "none");
        break;
      case "iface":
        out.add(x.dir === "out" ? "oif" : "iif");
        break;
      case "ctstate":
      case "ctdir":
        ct();
        break;
      case "addrtype":
        out.add(x.side);
        out.add("oif");
        out.add("iif");
        break;
    }
  };
  walk(c);
  readsCache.set(c, r);
  return r;
}

function readKey(c: RuleSemantics["match"], e: Env): string {
  let k = "";
  for (const f of reads(c)) {
    switch (f) {
      case "src": k += `s${e.src ?? ""}|`; break;
      case "dst": k += `d${e.dst ?? ""}|`; break;
      case "sport": k += `p${e.sport ?? ""}|`; break;
      case "dport": k += `q${e.dport ?? ""}|`; break;
      case "oif": k += `o${e.oif ?? ""}|`; break;
      case "iif": k += `i${e.iifOverride ?? ""}|`; break;
      case "mark": k += `m${e.mark.ref},${e.mark.c}|`; break;
      case "ctmark": k += `c${e.ctmark.ref},${e.ctmark.c}|`; break;
      case "nat": k += `n${+e.dnat}${+e.snat}|`; break;
      case "preCt": case "untracked": case "asNew": k += `${f[0]}${+e[f]}|`; break;
    }
  }
  return k;
}

/** Flows with the same env and path are one flow. */
function merge(dd: Dd, flows: Flow[]): Flow[] {
  const m = new Map<string, Flow>();
  for (const f of flows) {
    const k = `${f.key}#${f.path?.id ?? 0}#${f.filterBy?.line ?? ""}:${f.filterBy?.chain ?? ""}#${f.lastAccept?.line ?? ""}:${f.lastAccept?.table ?? ""}:${f.lastAccept?.chain ?? ""}`;
    const g = m.get(k);
    if (g) g.set = dd.or(g.set, f.set);
    else m.set(k, { ...f });
  }
  return [...m.values()];
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
  const fam = host.family;
  const loop: [bigint, bigint] = fam === "ipv4" ? [0x7f000000n, 0x7fffffffn] : [1n, 1n];
  const notLo = d.range(u.L.iif, u.atoms.names.map((n, i) => [i, i] as const).filter(([i]) => i !== 0 && u.atoms.names[i] !== "lo"));
  const localRanges = (["LOCAL", "BROADCAST", "MULTICAST"] as const).flatMap((t) => addrTypeRanges(host, t));
  const nets = [...hostFacts(host).nets].sort((a, b) => b.prefix - a.prefix);
  const local: Flow[] = [];
  const fwd: Flow[] = [];
  const martian: Out[] = [];
  for (const f of flows) {
    const inRange = (v: bigint, r: readonly (readonly [bigint, bigint])[]) => r.some(([a, b]) => v >= a && v <= b);
    const dstIs = (r: readonly (readonly [bigint, bigint])[]) => (f.env.dst !== undefined ? (inRange(f.env.dst, r) ? FULL : EMPTY) : u.addrSet(u.L.dst, r));
    const srcIs = (r: readonly (readonly [bigint, bigint])[]) => (f.env.src !== undefined ? (inRange(f.env.src, r) ? FULL : EMPTY) : u.addrSet(u.L.src, r));
    const iifNotLo = f.env.iifOverride !== undefined ? (f.env.iifOverride === "lo" ? EMPTY : FULL) : notLo;
    const mDst = d.and(f.set, d.and(iifNotLo, dstIs([loop])));
    const mSrc = d.diff(d.and(f.set, d.and(iifNotLo, srcIs([loop]))), mDst);
    if (mDst !== EMPTY) martian.push({ flow: w.with(f, mDst), verdict: "drop", by: null, reason: MARTIAN_DST });
    if (mSrc !== EMPTY) martian.push({ flow: w.with(f, mSrc), verdict: "drop", by: null, reason: MARTIAN_SRC });
    let rest = d.diff(f.set, d.or(mDst, mSrc));
    const loc = d.and(rest, dstIs(localRanges));
    if (loc !== EMPTY) local.push(w.with(f, loc));
    rest = d.diff(rest, loc);
    for (const n of nets) {
      if (rest === EMPTY) break;
      const part = d.and(rest, dstIs([[n.net, n.last]]));
      if (part !== EMPTY) fwd.push(w.with(f, part, { ...f.env, oif: n.iface }));
      rest = d.diff(rest, part);
    }
    if (rest !== EMPTY) fwd.push(w.with(f, rest, { ...f.env, oif: host.defaultIface }));
  }
  return { local, fwd, martian };
}

/** Runs the nat stage: NEW/RELATED traverse it, ESTABLISHED get their first packet's binding silently. */
function natStage(w: Walker, st: Stage, flows: Flow[], mode: "run" | "skip"): { go: Flow[]; ended: Out[] } {
  if (mode === "skip") return { go: flows, ended: [] };
  const u = w.u;
  const d = u.dd;
  const go: Flow[] = [];
  const ended: Out[] = [];
  for (const f of flows) {
    if (f.env.untracked) {
      go.push(f);
      continue;
    }
    const fresh = d.and(f.set, d.range(u.L.ct, [[0, 0], [2, 2]]));
    const est = d.and(f.set, d.range(u.L.ct, [[1, 1]]));
    const other = d.diff(f.set, d.or(fresh, est));
    if (other !== EMPTY) go.push(w.with(f, other));
    if (fresh !== EMPTY) {
      const r = w.runStage(st, [w.with(f, fresh)], true);
      go.push(...r.go);
      ended.push(...r.ended);
    }
    if (est !== EMPTY) {
      const e2: Env = { ...f.env, asNew: true };
      const r = w.runStage(st, [w.with(f, est, e2)], false);
      for (const g of r.go) {
        const env = { ...g.env, asNew: false };
        go.push({ ...g, env, key: envKey(env), ...(f.filterBy ? { filterBy: f.filterBy } : {}), ...(f.lastAccept ? { lastAccept: f.lastAccept } : {}) });
      }
      ended.push(...r.ended);
    }
  }
  return { go, ended };
}

function toPart(u: SymUniverse, o: Out, outcome: OutcomePart["outcome"] | undefined, routing: OutcomePart["routing"]): OutcomePart {
  const fam = u.family;
  const env = o.flow.env;
  const oc: OutcomePart["outcome"] =
    outcome ?? (o.verdict === "drop" ? "dropped" : o.verdict === "reject" ? "rejected" : o.verdict === "undecided" ? "undecided" : "local");
  return {
    set: u.set(o.flow.set),
    outcome: oc,
    ...(o.reason ? { reason: o.reason } : {}),
    decidedBy: outcome ? (o.flow.filterBy ?? o.flow.lastAccept ?? null) : o.by,
    path: pathArray(o.flow.path),
    nat: env.nat.map((n) => ({ kind: n.kind, line: n.line, ...(n.addr !== undefined ? { addr: formatAddr(n.addr, fam) } : {}), ...(n.port !== undefined ? { port: n.port } : {}) })),
    rewritten: {
      ...(env.src !== undefined ? { src: formatAddr(env.src, fam) } : {}),
      ...(env.dst !== undefined ? { dst: formatAddr(env.dst, fam) } : {}),
      ...(env.sport !== undefined ? { sport: env.sport } : {}),
      ...(env.dport !== undefined ? { dport: env.dport } : {}),
    },
    routing,
  };
}

/** The partition of the input packets by what the whole path does to them. */
export function analyze(dump: Dump, opts: AnalyzeOptions = {}): OutcomePart[] {
  const u = universeFor(dump, opts);
  const w = new Walker(u, dump);
  const d = u.dd;
  const dir = opts.direction ?? "inbound";
  const space = dir === "inbound" ? u.inbound() : u.localOut();
  const input = opts.input ? d.and(space.node, opts.input.node) : space.node;
  const parts: OutcomePart[] = [];
  const endAll = (ended: Out[], routing: OutcomePart["routing"]) => {
    for (const o of ended) if (o.flow.set !== EMPTY) parts.push(toPart(u, o, undefined, routing));
  };
  const env0 = initialEnv();
  let flows: Flow[] = [{ set: input, env: env0, key: envKey(env0), path: null }];
  if (input === EMPTY) return [];
  const stages = (list: readonly Stage[], fl: Flow[], nat: "run" | "skip", routing: OutcomePart["routing"]) => {
    for (const st of list) {
      const r = st.table === "nat" ? natStage(w, st, fl, nat) : w.runStage(st, fl, true);
      endAll(r.ended, routing);
      fl = r.go;
      if (st.table === "raw") fl = fl.map((f) => (f.env.preCt ? w.with(f, f.set, { ...f.env, preCt: false }) : f));
    }
    return fl;
  };
  if (dir === "inbound") {
    flows = stages(PREROUTING, flows, "run", null);
    const r = routeFlows(w, flows);
    endAll(r.martian, null);
    for (const f of stages(INPUT, r.local, "run", { decision: "local", oif: null })) parts.push(toPart(u, { flow: f, verdict: "accept", by: null }, "local", { decision: "local", oif: null }));
    // forwarded flows: one routing per oif
    const byOif = new Map<string, Flow[]>();
    for (const f of r.fwd) byOif.set(f.env.oif!, [...(byOif.get(f.env.oif!) ?? []), f]);
    for (const [oif, fl] of byOif) {
      const routing = { decision: "forward" as const, oif };
      const after = stages(POSTROUTING, stages(FORWARD, fl, "run", routing), "run", routing);
      for (const f of after) parts.push(toPart(u, { flow: f, verdict: "accept", by: null }, "forwarded", routing));
    }
  } else {
    // from the host: route, OUTPUT, reroute after DNAT, POSTROUTING, loop back on lo for local destinations
    const r0 = routeFlows(w, flows);
    const routed = [...r0.local.map((f) => w.with(f, f.set, { ...f.env, oif: "lo" })), ...r0.fwd];
    let fl = stages(OUTPUT.slice(0, 3), routed, "run", null);
    const rr = routeFlows(w, fl.map((f) => w.with(f, f.set, { ...f.env, oif: null })));
    endAll(rr.martian, null);
    fl = [...rr.local.map((f) => w.with(f, f.set, { ...f.env, oif: "lo" })), ...rr.fwd];
    fl = stages(POSTROUTING, stages(OUTPUT.slice(3), fl, "run", null), "run", null);
    const loop = fl.filter((f) => f.env.oif === "lo").map((f) => w.with(f, f.set, { ...f.env, iifOverride: "lo", oif: null }));
    const out = fl.filter((f) => f.env.oif !== "lo");
    const lr = { decision: "local" as const, oif: "lo" };
    for (const f of stages(INPUT, stages(PREROUTING, loop, "skip", lr), "skip", lr)) parts.push(toPart(u, { flow: f, verdict: "accept", by: null }, "local", lr));
    for (const f of out) parts.push(toPart(u, { flow: f, verdict: "accept", by: null }, "forwarded", { decision: "forward", oif: f.env.oif }));
  }
  return parts;
}

/** What one chain (and the user chains it calls) decides for packets reaching it unchanged. */
export function chainVerdicts(dump: Dump, table: string, chain: string, input: PacketSet, opts: { universe: Universe; hook: Hook }): ChainPart[] {
  const u = opts.universe as SymUniverse;
  const w = new Walker(u, dump);
  const ch = userChain(dump, table, chain);
  if (!ch) return [{ set: input, verdict: "return", decidedBy: null, path: [] }];
  const env: Env = { ...initialEnv(), preCt: table === "raw", oif: null };
  const f: Flow = { set: input.node, env, key: envKey(env), path: null };
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
    out.push({ set: u.set(o.flow.set), verdict, ...(o.reason ? { reason: o.reason } : {}), decidedBy: by, path });
  }
  return out;
}

function sameBehaviour(a: OutcomePart, b: OutcomePart): boolean {
  return (
    a.outcome === b.outcome &&
    a.reason === b.reason &&
    a.rewritten.dst === b.rewritten.dst &&
    a.rewritten.dport === b.rewritten.dport &&
    a.rewritten.src === b.rewritten.src &&
    a.rewritten.sport === b.rewritten.sport &&
    (a.routing?.oif ?? null) === (b.routing?.oif ?? null)
  );
}

/** The packets whose outcome, final address/port or output interface differ between two rulesets. */
export function compare(a: Dump, b: Dump, opts: AnalyzeOptions = {}): Difference[] {
  const host = analysisHost([a, b], opts.host);
  const u = (opts.universe as SymUniverse | undefined) ?? new SymUniverse(a.family, host, [a, b]);
  const o = { ...opts, universe: u };
  const pa = analyze(a, o);
  const pb = analyze(b, o);
  const diffs: Difference[] = [];
  for (const x of pa)
    for (const y of pb) {
      if (sameBehaviour(x, y)) continue;
      const s = x.set.intersect(y.set);
      if (!s.isEmpty()) diffs.push({ set: s, before: x, after: y });
    }
  return diffs;
}
