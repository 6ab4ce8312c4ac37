// Turns the lines of a dump into the typed AST. The line grammar (grammar.ts)
// says what kind each line is; this file applies restore semantics (tables,
// chain declarations, -A/-I/-N/-F/-X/-P/-D/-R/-E) and gives each option its
// arity and meaning through the module specs of the extension registry.
import {
  BUILTIN_CHAINS,
  STANDARD_TARGETS,
  type AddrMatch,
  type Chain,
  type Counters,
  type Diagnostic,
  type Dump,
  type Family,
  type MatchCall,
  type NamedMatch,
  type OptionValue,
  type Rule,
  type Span,
  type Table,
  type TargetCall,
} from "./ast.js";
import { parseLine, type Arg } from "./grammar.js";
import { formatAddr, parseCidr } from "./inet.js";
import { findOption, type ModuleResolver, type ModuleSpec, type OptionSpec } from "./spec.js";

/** A problem in the input, located in the dump. */
export class DumpError extends Error {
  constructor(
    public readonly file: string,
    public readonly diagnostics: Diagnostic[],
    public readonly source: string,
  ) {
    super(diagnostics.map((d) => `${file}:${d.span.line}:${d.span.col}: ${d.message}`).join("\n"));
    this.name = "DumpError";
  }
}

export interface ParseOptions {
  file?: string;
  /** Force the address family; otherwise it is detected from the content. */
  family?: Family;
}

class LineError extends Error {
  constructor(
    public readonly start: number,
    public readonly end: number,
    message: string,
    public readonly code = "syntax",
  ) {
    super(message);
  }
}

const IPV6_HINT =
  /(?:^|\s)(?:-[sd]|--source|--destination|--src|--dst)\s+(?:!\s+)?[0-9a-fA-F]*:[0-9a-fA-F:.]*(?:\/\d+)?(?:\s|$)|\s-p\s+(?:ipv6-icmp|icmpv6)\b|-m icmp6\b|\bip6tables-save\b/;

export function detectFamily(source: string): Family {
  return IPV6_HINT.test(source) ? "ipv6" : "ipv4";
}

export function parseDump(sourceIn: string, resolver: ModuleResolver, opts: ParseOptions = {}): Dump {
  const file = opts.file ?? "<stdin>";
  const source = sourceIn.charCodeAt(0) === 0xfeff ? sourceIn.slice(1) : sourceIn;
  const family = opts.family ?? detectFamily(source);
  const b = new Builder(file, source, family, resolver);
  b.run();
  return b.dump;
}

const GENERIC = new Map<string, string>([
  ["-s", "-s"], ["--source", "-s"], ["--src", "-s"],
  ["-d", "-d"], ["--destination", "-d"], ["--dst", "-d"],
  ["-i", "-i"], ["--in-interface", "-i"],
  ["-o", "-o"], ["--out-interface", "-o"],
  ["-p", "-p"], ["--protocol", "-p"],
  ["-f", "-f"], ["--fragment", "-f"],
  ["-m", "-m"], ["--match", "-m"],
  ["-j", "-j"], ["--jump", "-j"],
  ["-g", "-g"], ["--goto", "-g"],
  ["-c", "-c"], ["--set-counters", "-c"],
  ["-4", "-4"], ["--ipv4", "-4"], ["-6", "-6"], ["--ipv6", "-6"],
]);

const COMMANDS = new Map<string, string>([
  ["-A", "-A"], ["--append", "-A"], ["-I", "-I"], ["--insert", "-I"], ["-N", "-N"], ["--new-chain", "-N"],
  ["-F", "-F"], ["--flush", "-F"], ["-X", "-X"], ["--delete-chain", "-X"], ["-P", "-P"], ["--policy", "-P"],
  ["-D", "-D"], ["--delete", "-D"], ["-R", "-R"], ["--replace", "-R"], ["-E", "-E"], ["--rename-chain", "-E"],
  ["-Z", "-Z"], ["--zero", "-Z"],
]);

const IFNAMSIZ = 16;

class Builder {
  dump: Dump;
  private table: Table | undefined;
  private lineNo = 0;
  private lastLineHasNewline: boolean;
  private errors: Diagnostic[] = [];

  constructor(
    private file: string,
    private source: string,
    private family: Family,
    private resolver: ModuleResolver,
  ) {
    this.dump = { file, source, family, isRestoreScript: false, tables: new Map(), warnings: [] };
    this.lastLineHasNewline = source.endsWith("\n");
  }

  run() {
    const src = this.source;
    let pos = 0;
    const n = src.length;
    while (pos < n) {
      let nl = src.indexOf("\n", pos);
      if (nl < 0) nl = n;
      let line = src.slice(pos, nl);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      this.lineNo++;
      this.isLastLine = nl >= n - 1;
      try {
        this.line(line);
      } catch (e) {
        if (!(e instanceof LineError)) throw e;
        this.error(e.message, this.span(e.start, e.end), e.code);
        if (this.errors.length >= 20) break;
      }
      pos = nl + 1;
    }
    if (this.table && this.errors.length === 0) {
      this.error(
        `truncated dump: table '${this.table.name}' (opened at line ${this.table.span.line}) has no COMMIT`,
        { line: this.lineNo, col: 1, endCol: 1 },
        "truncated",
      );
    }
    if (this.errors.length > 0) throw new DumpError(this.file, this.errors, this.source);
  }

  private isLastLine = false;

  private span(start: number, end: number): Span {
    return { line: this.lineNo, col: start + 1, endCol: end + 1 };
  }

  private error(message: string, span: Span, code = "syntax") {
    this.errors.push({ severity: "error", message, span, code });
  }

  private warn(message: string, span: Span, code: string) {
    this.dump.warnings.push({ severity: "warning", message, span, code });
  }

  private line(line: string) {
    let i = 0;
    while (i < line.length && (line[i] === " " || line[i] === "\t")) i++;
    if (i === line.length) return;
    if (line[i] === "#") return this.comment(line, i);
    const node = parseLine(line);
    if ("message" in node) {
      const cutOff = this.isLastLine && !this.lastLineHasNewline;
      throw new LineError(node.offset, node.offset + 1, cutOff ? `${node.message} (the dump looks truncated)` : node.message);
    }
    switch (node.kind) {
      case "table":
        return this.openTable(node.name, node.start, node.end);
      case "chain":
        return this.declareChain(node.name, node.policy, node.counters, node.start, node.end, node.policyStart);
      case "commit":
        if (!this.table) throw new LineError(node.start, node.end, "COMMIT without a table: there is no `*table` line before it");
        this.table.commit = this.span(node.start, node.end);
        this.table = undefined;
        return;
      case "command":
        return this.command(line, node.command, node.args, node.counters);
    }
  }

  private comment(line: string, i: number) {
    const text = line.slice(i);
    const span = this.span(i, line.length);
    const gen = /^# Generated by (\S+) v(\S+)(?: \((nf_tables|legacy)\))?/.exec(text);
    if (gen) {
      this.dump.header = { tool: gen[1]!, version: gen[2]!, span, ...(gen[3] ? { backend: gen[3] as "nf_tables" | "legacy" } : {}) };
      if (gen[1]!.startsWith("ip6tables") && this.family !== "ipv6" && !this.dump.tables.size) this.family = this.dump.family = "ipv6";
    } else if (/^# Warning: iptables-legacy tables present/.test(text)) {
      this.dump.legacyTablesWarning = span;
    }
  }

  private openTable(name: string, start: number, end: number) {
    if (this.table) {
      throw new LineError(
        start,
        end,
        `table '${this.table.name}' (opened at line ${this.table.span.line}) has no COMMIT before '*${name}'`,
        "truncated",
      );
    }
    const builtins = BUILTIN_CHAINS.get(name);
    if (!builtins) throw new LineError(start, end, `unknown table '${name}' (expected raw, mangle, nat, filter or security)`);
    const span = this.span(start, end);
    if (this.dump.tables.has(name)) {
      this.warn(`table '${name}' appears twice; iptables-restore keeps only this second copy`, span, "duplicate-table");
    }
    const table: Table = { name, span, chains: new Map() };
    this.dump.tables.set(name, table);
    this.table = table;
  }

  private requireTable(start: number, end: number): Table {
    if (!this.table) throw new LineError(start, end, "this line is outside a table: a `*filter` (or `*nat`, `*raw`, ...) line must come first");
    return this.table;
  }

  private declareChain(name: string, policy: string, counters: string | undefined, start: number, end: number, policyStart: number) {
    const table = this.requireTable(start, end);
    const builtin = BUILTIN_CHAINS.get(table.name)!.includes(name);
    if (table.chains.get(name)?.declared) throw new LineError(start, end, `chain '${name}' is declared twice in table '${table.name}'`);
    if (builtin && policy !== "ACCEPT" && policy !== "DROP") {
      throw new LineError(policyStart, policyStart + policy.length, `built-in chain ${name} needs the policy ACCEPT or DROP, not '${policy}'`);
    }
    if (!builtin && policy !== "-") {
      throw new LineError(policyStart, policyStart + policy.length, `user chain '${name}' cannot have a policy ('${policy}'); write '-'`);
    }
    this.validChainName(name, start, end);
    const chain = this.chain(table, name);
    chain.declared = this.span(start, end);
    if (builtin) chain.policy = policy;
    if (counters) chain.counters = parseCounters(counters.slice(1, -1).split(":"));
  }

  private validChainName(name: string, start: number, end: number) {
    if (name.length > 28) throw new LineError(start, end, `chain name '${name}' is longer than 28 characters`);
    if (STANDARD_TARGETS.has(name) || name.startsWith("-") || name === "!")
      throw new LineError(start, end, `'${name}' cannot be a chain name`);
  }

  /** The chain, created on first use (built-in chains exist without a declaration). */
  private chain(table: Table, name: string): Chain {
    let c = table.chains.get(name);
    if (!c) {
      const builtin = BUILTIN_CHAINS.get(table.name)!.includes(name);
      c = { name, builtin, rules: [], ...(builtin ? { policy: "ACCEPT" } : {}) };
      table.chains.set(name, c);
    }
    return c;
  }

  private existingChain(table: Table, arg: Arg): Chain {
    const c = table.chains.get(arg.text);
    if (c && (c.declared || c.builtin)) return c;
    if (BUILTIN_CHAINS.get(table.name)!.includes(arg.text)) return this.chain(table, arg.text);
    throw new LineError(
      arg.start,
      arg.end,
      `chain '${arg.text}' does not exist in table '${table.name}' (declare it with ':${arg.text} - [0:0]' or '-N ${arg.text}' first)`,
      "undeclared-chain",
    );
  }

  private command(line: string, cmdArg: Arg, args: Arg[], counters: Arg | undefined) {
    const table = this.requireTable(cmdArg.start, cmdArg.end);
    const cmd = COMMANDS.get(cmdArg.text)!;
    if (cmd !== "-A") this.dump.isRestoreScript = true;
    const need = (i: number, what: string): Arg => {
      const a = args[i];
      if (!a) throw this.missing(line, `${cmdArg.text} needs ${what}`);
      return a;
    };
    switch (cmd) {
      case "-A":
      case "-I": {
        const chain = this.existingChain(table, need(0, "a chain name"));
        let at = cmd === "-A" ? chain.rules.length : 0;
        let rest = 1;
        if (cmd === "-I" && args[1] && /^\d+$/.test(args[1].text)) {
          const n = Number(args[1].text);
          if (n < 1 || n > chain.rules.length + 1)
            throw new LineError(args[1].start, args[1].end, `-I ${chain.name} ${n}: the chain has ${chain.rules.length} rules at this point`);
          at = n - 1;
          rest = 2;
        }
        const rules = this.rule(line, table, chain.name, args.slice(rest), counters, cmdArg.start);
        chain.rules.splice(at, 0, ...rules);
        return;
      }
      case "-N": {
        const a = need(0, "a chain name");
        if (table.chains.get(a.text)?.declared || BUILTIN_CHAINS.get(table.name)!.includes(a.text))
          throw new LineError(a.start, a.end, `chain '${a.text}' already exists`);
        this.validChainName(a.text, a.start, a.end);
        this.chain(table, a.text).declared = this.span(cmdArg.start, a.end);
        return this.noMore(args, 1);
      }
      case "-F": {
        if (args[0]) this.existingChain(table, args[0]).rules = [];
        else for (const c of table.chains.values()) c.rules = [];
        return this.noMore(args, 1);
      }
      case "-X": {
        const victims = args[0] ? [this.existingChain(table, args[0])] : [...table.chains.values()].filter((c) => !c.builtin);
        for (const c of victims) {
          if (c.builtin) throw new LineError(args[0]!.start, args[0]!.end, `cannot delete built-in chain ${c.name}`);
          table.chains.delete(c.name);
        }
        return this.noMore(args, 1);
      }
      case "-P": {
        const chain = this.existingChain(table, need(0, "a chain name"));
        const p = need(1, "a policy (ACCEPT or DROP)");
        if (!chain.builtin) throw new LineError(args[0]!.start, args[0]!.end, `only built-in chains have a policy; '${chain.name}' is a user chain`);
        if (p.text !== "ACCEPT" && p.text !== "DROP") throw new LineError(p.start, p.end, `policy must be ACCEPT or DROP, not '${p.text}'`);
        chain.policy = p.text;
        return this.noMore(args, 2);
      }
      case "-D":
      case "-R": {
        const chain = this.existingChain(table, need(0, "a chain name"));
        const a1 = args[1];
        if (cmd === "-D" && a1 && /^\d+$/.test(a1.text) && args.length === 2) {
          const n = Number(a1.text);
          if (n < 1 || n > chain.rules.length) throw new LineError(a1.start, a1.end, `-D ${chain.name} ${n}: no such rule`);
          chain.rules.splice(n - 1, 1);
          return;
        }
        if (cmd === "-R") {
          if (!a1 || !/^\d+$/.test(a1.text)) throw this.missing(line, "-R needs a chain name and a rule number");
          const n = Number(a1.text);
          if (n < 1 || n > chain.rules.length) throw new LineError(a1.start, a1.end, `-R ${chain.name} ${n}: no such rule`);
          const rules = this.rule(line, table, chain.name, args.slice(2), counters, cmdArg.start);
          if (rules.length !== 1) throw new LineError(a1.start, a1.end, "-R replaces one rule; multiple addresses make several");
          chain.rules[n - 1] = rules[0]!;
          return;
        }
        const [victim] = this.rule(line, table, chain.name, args.slice(1), counters, cmdArg.start);
        const key = ruleKey(victim!);
        const idx = chain.rules.findIndex((r) => ruleKey(r) === key);
        if (idx < 0) throw new LineError(cmdArg.start, line.length, `-D ${chain.name}: no rule like this one in the chain`);
        chain.rules.splice(idx, 1);
        return;
      }
      case "-E": {
        const chain = this.existingChain(table, need(0, "a chain name"));
        const to = need(1, "a new chain name");
        if (chain.builtin) throw new LineError(args[0]!.start, args[0]!.end, "cannot rename a built-in chain");
        if (table.chains.has(to.text)) throw new LineError(to.start, to.end, `chain '${to.text}' already exists`);
        this.validChainName(to.text, to.start, to.end);
        table.chains.delete(chain.name);
        chain.name = to.text;
        for (const r of chain.rules) r.chain = to.text;
        table.chains.set(to.text, chain);
        for (const c of table.chains.values()) for (const r of c.rules) if (r.target?.name === args[0]!.text) r.target.name = to.text;
        return this.noMore(args, 2);
      }
      case "-Z":
        return;
    }
  }

  private noMore(args: Arg[], n: number) {
    const extra = args[n];
    if (extra) throw new LineError(extra.start, extra.end, `unexpected '${extra.text}'`);
  }

  private missing(line: string, message: string): LineError {
    const cut = this.isLastLine && !this.lastLineHasNewline;
    const end = line.trimEnd().length;
    return new LineError(end, end + 1, cut ? `${message}: the rule is cut off (truncated dump)` : message, cut ? "truncated" : "syntax");
  }

  /** Reads the words of one rule (after `-A CHAIN`); returns several rules when -s/-d list addresses. */
  private rule(line: string, table: Table, chain: string, args: Arg[], countersArg: Arg | undefined, lineStart: number): Rule[] {
    const fam = this.family;
    let counters: Counters | undefined = countersArg ? parseCounters(countersArg.text.slice(1, -1).split(":")) : undefined;
    const srcs: AddrMatch[] = [];
    const dsts: AddrMatch[] = [];
    const base: Rule = { table: table.name, chain, span: this.span(lineStart, line.trimEnd().length), matches: [] };
    if (countersArg) base.span.col = countersArg.start + 1;
    let target: TargetCall | undefined;
    let i = 0;
    // The module that the last `-m` named (or the target after -j): options bind to it first.
    let current: { spec: ModuleSpec | undefined; call: MatchCall | TargetCall } | undefined;
    const loaded: { spec: ModuleSpec; call: MatchCall }[] = [];
    const seenGeneric = new Set<string>();

    const take = (what: string): Arg => {
      const a = args[i];
      if (!a) throw this.missing(line, what);
      i++;
      return a;
    };

    while (i < args.length) {
      const a = args[i]!;
      let neg = false;
      let negStart = a.start;
      if (a.kind === "bang") {
        neg = true;
        i++;
        if (i >= args.length) throw this.missing(line, "'!' must be followed by an option");
      }
      const opt = args[i]!;
      if (opt.kind !== "option") {
        throw new LineError(opt.start, opt.end, `unexpected '${opt.text}': expected an option such as -p, -m or -j`);
      }
      i++;
      const generic = GENERIC.get(opt.text);
      if (generic) {
        // old syntax: `-s ! 10.0.0.1`
        if (args[i]?.kind === "bang" && generic !== "-m" && generic !== "-j" && generic !== "-g") {
          neg = true;
          i++;
        }
        if (neg && (generic === "-m" || generic === "-j" || generic === "-g" || generic === "-c" || generic === "-4" || generic === "-6"))
          throw new LineError(negStart, opt.end, `'!' cannot negate ${opt.text}`);
        if ((generic === "-s" || generic === "-d" || generic === "-i" || generic === "-o" || generic === "-p" || generic === "-f") && seenGeneric.has(generic))
          throw new LineError(opt.start, opt.end, `${opt.text} given twice in one rule`);
        seenGeneric.add(generic);
        switch (generic) {
          case "-s":
          case "-d": {
            const v = take(`${opt.text} needs an address`);
            const list = generic === "-s" ? srcs : dsts;
            let off = v.start;
            for (const part of v.text.split(",")) {
              const c = parseCidr(part, fam);
              const sp = this.span(off, off + part.length);
              off += part.length + 1;
              if (typeof c === "string") {
                const hostname = /^[A-Za-z][\w.-]*$/.test(part);
                throw new LineError(sp.col - 1, sp.endCol - 1, hostname ? `'${part}' is a host name; dockwall reads dumps offline and needs addresses` : c);
              }
              list.push({
                neg,
                addr: formatAddr(c.addr, fam),
                prefix: c.prefix,
                mask: formatAddr(c.mask, fam),
                span: { ...this.span(negStart, v.end) },
              });
            }
            if (neg && list.length > 1) throw new LineError(v.start, v.end, "'!' cannot be used with several addresses");
            break;
          }
          case "-i":
          case "-o": {
            const v = take(`${opt.text} needs an interface name`);
            if (v.text.length >= IFNAMSIZ) throw new LineError(v.start, v.end, `interface name '${v.text}' is longer than 15 characters`);
            const m: NamedMatch = { neg, value: v.text, span: this.span(negStart, v.end) };
            if (generic === "-i") base.inIface = m;
            else base.outIface = m;
            break;
          }
          case "-p": {
            const v = take("-p needs a protocol");
            const p = this.resolver.canonProtocol(v.text, fam);
            if (typeof p !== "string") throw new LineError(v.start, v.end, p.error);
            base.proto = { neg, value: p, span: this.span(negStart, v.end) };
            break;
          }
          case "-f":
            if (fam === "ipv6") throw new LineError(opt.start, opt.end, "-f (fragment) exists only in iptables, not ip6tables");
            base.fragment = { neg, span: this.span(negStart, opt.end) };
            break;
          case "-c": {
            const p = take("-c needs packet and byte counts");
            const bts = take("-c needs packet and byte counts");
            if (!/^\d+$/.test(p.text) || !/^\d+$/.test(bts.text)) throw new LineError(p.start, bts.end, "-c needs two numbers: packets and bytes");
            counters = parseCounters([p.text, bts.text]);
            break;
          }
          case "-4":
          case "-6":
            if ((generic === "-4") !== (fam === "ipv4")) {
              // restore files shared between families: the rule is skipped by the other tool
              return [];
            }
            break;
          case "-m": {
            const v = take("-m needs a module name");
            const spec = this.resolver.match(v.text, fam);
            const call: MatchCall = { name: v.text, known: !!spec, implicit: false, options: [], span: this.span(opt.start, v.end) };
            if (!spec) {
              this.warn(
                `unknown match module '${v.text}': kept verbatim, but dockwall cannot say what it matches`,
                this.span(v.start, v.end),
                "unknown-module",
              );
            } else loaded.push({ spec, call });
            base.matches.push(call);
            current = { spec, call };
            break;
          }
          case "-j":
          case "-g": {
            if (target) throw new LineError(opt.start, opt.end, "a rule can have only one -j or -g");
            const v = take(`${opt.text} needs a target`);
            const spec = generic === "-j" ? this.resolver.target(v.text, fam) : undefined;
            const kind = spec ? "extension" : STANDARD_TARGETS.has(v.text) ? "standard" : "chain";
            if (generic === "-g" && kind === "standard") throw new LineError(v.start, v.end, `-g needs a user chain, not ${v.text}`);
            target = { name: v.text, kind, goto: generic === "-g", options: [], span: this.span(opt.start, v.end) };
            current = { spec, call: target };
            break;
          }
        }
        continue;
      }
      // a module option
      this.moduleOption(opt, neg, negStart, args, () => i, (n) => (i = n), line, current, loaded, base);
    }
    // unknown-target handling: a "chain" target that got options is a target module we do not know
    if (target && target.kind === "chain" && target.options.length > 0) {
      target.kind = "unknown";
      this.warn(`unknown target '${target.name}': kept verbatim, but dockwall cannot say what it does`, target.span, "unknown-module");
    }
    for (const m of base.matches) this.checkCall(m, loaded.find((l) => l.call === m)?.spec);
    if (target) {
      this.checkCall(target, this.resolver.target(target.name, fam));
      base.target = target;
    }
    if (counters) base.counters = counters;
    const out: Rule[] = [];
    for (const s of srcs.length ? srcs : [undefined]) {
      for (const d of dsts.length ? dsts : [undefined]) {
        const r: Rule = { ...base, span: { ...base.span } };
        if (s) r.src = s;
        if (d) r.dst = d;
        out.push(r);
      }
    }
    return out;
  }

  private checkCall(call: MatchCall | TargetCall, spec: ModuleSpec | undefined) {
    if (!spec?.checkCall) return;
    const msg = spec.checkCall(call.options, this.family);
    if (msg) throw new LineError(call.span.col - 1, (call.options.at(-1)?.span.endCol ?? call.span.endCol) - 1, msg);
  }

  private moduleOption(
    opt: Arg,
    negIn: boolean,
    negStart: number,
    args: Arg[],
    getI: () => number,
    setI: (n: number) => void,
    line: string,
    current: { spec: ModuleSpec | undefined; call: MatchCall | TargetCall } | undefined,
    loaded: { spec: ModuleSpec; call: MatchCall }[],
    rule: Rule,
  ) {
    let neg = negIn;
    let i = getI();
    // Unknown module or target: keep the words verbatim until the next option.
    if (current && !current.spec && (("known" in current.call && !current.call.known) || ("kind" in current.call))) {
      const isTarget = "kind" in current.call;
      if (!isTarget || (current.call as TargetCall).kind !== "standard") {
        const vals: string[] = [];
        let end = opt.end;
        while (i < args.length && args[i]!.kind !== "option" && args[i]!.kind !== "bang") {
          vals.push(args[i]!.text);
          end = args[i]!.end;
          i++;
        }
        setI(i);
        current.call.options.push({ name: opt.text, neg, args: vals, span: this.span(negStart, end) });
        return;
      }
    }
    let owner: { spec: ModuleSpec; call: MatchCall | TargetCall } | undefined;
    let ospec: OptionSpec | undefined;
    if (current?.spec) {
      ospec = findOption(current.spec, opt.text);
      if (ospec) owner = current as { spec: ModuleSpec; call: MatchCall | TargetCall };
    }
    if (!ospec) {
      for (let k = loaded.length - 1; k >= 0 && !ospec; k--) {
        ospec = findOption(loaded[k]!.spec, opt.text);
        if (ospec) owner = loaded[k];
      }
    }
    if (!ospec && rule.proto && !rule.proto.neg) {
      const pm = this.resolver.protocolModule(rule.proto.value, this.family);
      if (pm) {
        ospec = findOption(pm, opt.text);
        if (ospec) {
          // `-p tcp --dport 80`: iptables loads the tcp match implicitly, and iptables-save prints `-m tcp`
          const call: MatchCall = { name: pm.name, known: true, implicit: true, options: [], span: this.span(negStart, opt.end) };
          rule.matches.push(call);
          loaded.push({ spec: pm, call });
          owner = { spec: pm, call };
        }
      }
    }
    if (!ospec || !owner) {
      const where = current ? ` for ${"kind" in current.call ? "target" : "module"} '${current.call.name}'` : "";
      const hint = !current && /^--(s|d)port|^--dports?$|^--sports?$/.test(opt.text) && !rule.proto ? " (a port match needs -p tcp or -p udp first)" : "";
      throw new LineError(opt.start, opt.end, `unknown option '${opt.text}'${where}${hint}`);
    }
    if (args[i]?.kind === "bang") {
      if (ospec.negatable) {
        neg = true;
        i++;
      }
    }
    if (neg && !ospec.negatable) throw new LineError(negStart, opt.end, `'!' cannot negate ${ospec.name}`);
    const vals: string[] = [];
    let end = opt.end;
    for (let k = 0; k < ospec.arity; k++) {
      const v = args[i];
      if (!v || v.kind === "bang" || (v.kind === "option" && GENERIC.has(v.text))) {
        setI(i);
        throw this.missing(line, `${opt.text} needs ${ospec.arity === 1 ? "a value" : `${ospec.arity} values`}`);
      }
      vals.push(v.text);
      end = v.end;
      i++;
    }
    for (let k = 0; k < (ospec.optionalArity ?? 0); k++) {
      const v = args[i];
      if (!v || v.kind !== "text" && v.kind !== "quoted") break;
      vals.push(v.text);
      end = v.end;
      i++;
    }
    setI(i);
    const span = this.span(negStart, end);
    const err = ospec.check?.(vals, this.family);
    if (err) throw new LineError(span.col - 1, span.endCol - 1, `${ospec.name}: ${err}`);
    if (!ospec.repeatable && owner.call.options.some((o) => o.name === ospec!.name))
      throw new LineError(span.col - 1, span.endCol - 1, `${ospec.name} given twice`);
    const value: OptionValue = { name: ospec.name, neg, args: ospec.canon ? ospec.canon(vals, this.family) : vals, span };
    owner.call.options.push(value);
    if (owner.call.span.line === span.line && span.endCol > owner.call.span.endCol) owner.call.span = { ...owner.call.span, endCol: span.endCol };
  }
}

function parseCounters(parts: string[]): Counters {
  return { packets: parts[0] ?? "0", bytes: parts[1] ?? "0" };
}

/** Structural identity of a rule, ignoring spans and counters (used by -D RULESPEC and duplicate checks). */
export function ruleKey(r: Rule): string {
  return JSON.stringify(r, (k, v) => (k === "span" || k === "counters" || k === "implicit" ? undefined : v));
}
