// The canonical iptables-save printer: the text the kernel's own iptables-save
// prints for the same ruleset (table and chain order, option order, implicit
// `-m tcp`, `/32` prefixes, protocol names and quoting).
import type { Chain, Dump, Family, MatchCall, OptionValue, Rule, Table, TargetCall } from "../syntax/ast.js";
import { BUILTIN_CHAINS } from "../syntax/ast.js";
import { findMatch, findTarget } from "../extensions/index.js";
import type { Extension } from "../extensions/types.js";

/**
 * iptables-save (nf_tables) prints tables in this fixed order (its table
 * registry: mangle, security, raw, filter, nat), whatever order they were loaded in.
 */
export const TABLE_ORDER = ["mangle", "security", "raw", "filter", "nat"];

const NO_QUOTE = /^[_\-0-9a-zA-Z]+$/;

/** xtables_save_string: quote unless the value is only [_-0-9a-zA-Z]; escape " \ and '. */
export function saveString(value: string): string {
  if (NO_QUOTE.test(value)) return value;
  return `"${value.replace(/["\\']/g, (c) => "\\" + c)}"`;
}

export interface SaveOptions {
  /** Print `[packets:bytes]` before each rule, as `iptables-save -c` does. */
  counters?: boolean;
  /** Header comment line; none when undefined. */
  header?: string;
}

export function orderedTables(dump: Dump): Table[] {
  return [...dump.tables.values()].sort((a, b) => TABLE_ORDER.indexOf(a.name) - TABLE_ORDER.indexOf(b.name));
}

/**
 * Built-in chains in hook order, then user chains sorted by name (byte order, as
 * the kernel lists them). A table that exists has all its built-in chains, so a
 * missing one is printed with policy ACCEPT, as iptables-save does.
 */
export function orderedChains(table: Table): Chain[] {
  const builtins = BUILTIN_CHAINS.get(table.name) ?? [];
  const chains = [...table.chains.values()];
  const b = builtins.map((n): Chain => table.chains.get(n) ?? { name: n, builtin: true, policy: "ACCEPT", rules: [] });
  const u = chains.filter((c) => !c.builtin).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return [...b, ...u];
}

export function printDump(dump: Dump, opts: SaveOptions = {}): string {
  const out: string[] = [];
  for (const table of orderedTables(dump)) {
    // `*filter` + `COMMIT` with nothing in between creates no table in nf_tables
    if (table.chains.size === 0) continue;
    if (opts.header) out.push(opts.header);
    out.push(`*${table.name}`);
    const chains = orderedChains(table);
    for (const c of chains) {
      const cnt = c.counters ? `[${c.counters.packets}:${c.counters.bytes}]` : "[0:0]";
      out.push(`:${c.name} ${c.builtin ? (c.policy ?? "ACCEPT") : "-"} ${cnt}`);
    }
    for (const c of chains) {
      for (const r of c.rules) {
        const line = printRule(r, dump.family, opts);
        // a rule's text is a rope of ~20 pieces; flattening it now lets the pieces
        // die young instead of surviving into the old generation until the join
        flatten(line);
        out.push(line);
      }
    }
    out.push("COMMIT");
  }
  return out.join("\n") + "\n";
}

/** V8 flattens a cons string when it converts it to a number (the idiom of the flatstr package). */
function flatten(s: string): void {
  void Number(s);
}

function addr(flag: string, a: Rule["src"]): string {
  if (!a) return "";
  return ` ${a.neg ? "! " : ""}${flag} ${a.addr}/${a.prefix ?? a.mask}`;
}

function named(flag: string, m: { neg: boolean; value: string } | undefined): string {
  return m ? ` ${m.neg ? "! " : ""}${flag} ${m.value}` : "";
}

/** One rule as iptables-save prints it, starting with `-A CHAIN`. */
export function printRule(r: Rule, family: Family, opts: SaveOptions = {}): string {
  let s = opts.counters && r.counters ? `[${r.counters.packets}:${r.counters.bytes}] ` : "";
  s += `-A ${r.chain}`;
  s += printRuleBody(r, family);
  return s;
}

/** The part after `-A CHAIN`, with a leading space (empty for a rule with no matches and no target). */
export function printRuleBody(r: Rule, family: Family): string {
  let s = addr("-s", r.src) + addr("-d", r.dst) + named("-i", r.inIface) + named("-o", r.outIface);
  if (r.proto) s += named("-p", r.proto);
  if (r.fragment) s += ` ${r.fragment.neg ? "! " : ""}-f`;
  for (const m of r.matches) s += printMatch(m, family);
  if (r.target) s += printTarget(r.target, family);
  return s;
}

export function printMatch(m: MatchCall, family: Family): string {
  const ext = m.known ? findMatch(m.name, family) : undefined;
  return ` -m ${m.name}${ext ? extText(ext, m, family) : verbatim(m.options)}`;
}

export function printTarget(t: TargetCall, family: Family): string {
  const ext = t.kind === "extension" ? findTarget(t.name, family) : undefined;
  return ` ${t.goto ? "-g" : "-j"} ${t.name}${ext ? extText(ext, t, family) : verbatim(t.options)}`;
}

// The option printers build one string per call with a leading space per word:
// 100k rules printed through word arrays and spreads cost more than the parse.

/** The module's words, each with a leading space ("" when it has none). */
function extText(ext: Extension, call: MatchCall | TargetCall, family: Family): string {
  if (ext.save) {
    const words = ext.save(call, family);
    return words.length ? " " + words.join(" ") : "";
  }
  let s = "";
  if (ext.ordered) {
    // options as the AST orders them (the module's normalize put them in print order)
    for (const o of call.options) s += optionText(o, ext.options.find((spec) => spec.name === o.name)?.quote);
    return s;
  }
  // options in the module's spec order (the order iptables-save uses)
  for (const spec of ext.options) {
    for (const o of call.options) if (o.name === spec.name) s += optionText(o, spec.quote);
  }
  return s;
}

function optionText(o: OptionValue, quote: boolean | undefined): string {
  let s = o.neg ? ` ! ${o.name}` : ` ${o.name}`;
  for (const a of o.args) s += " " + (quote ? saveString(a) : a);
  return s;
}

function verbatim(options: readonly OptionValue[]): string {
  let s = "";
  for (const o of options) {
    s += o.neg ? ` ! ${o.name}` : ` ${o.name}`;
    for (const a of o.args) s += " " + (/[\s"'\\]/.test(a) || a === "" ? saveString(a) : a);
  }
  return s;
}
