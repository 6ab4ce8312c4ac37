// Applies a fix's edits to the dump's AST, giving the patched ruleset the
// engine compares with the original and the printers write out. The original
// is never changed: tables and chains that an edit touches are copied.
import { BUILTIN_CHAINS, type Chain, type Dump, type Rule, type Table } from "../syntax/ast.js";
import type { Edit } from "./types.js";

const NO_SPAN = { line: 0, col: 1, endCol: 1 };

function copyTable(dump: Dump, tables: Map<string, Table>, name: string): Table {
  const had = tables.get(name);
  if (had && had !== dump.tables.get(name)) return had;
  const t: Table = had
    ? { ...had, chains: new Map(had.chains) }
    : { name, span: NO_SPAN, chains: new Map(), commit: NO_SPAN };
  for (const b of BUILTIN_CHAINS.get(name) ?? []) {
    if (!t.chains.has(b)) t.chains.set(b, { name: b, builtin: true, policy: "ACCEPT", declared: NO_SPAN, rules: [] });
  }
  tables.set(name, t);
  return t;
}

/** The dump with the edits applied. Inserts index into the chain as it was before the edits. */
export function applyEdits(dump: Dump, edits: readonly Edit[]): Dump {
  const tables = new Map(dump.tables);
  const inserts = new Map<Chain, Map<number, Rule[]>>();
  const deletes = new Set<Rule>();
  const touched = new Map<string, Chain>();
  const chainOf = (table: string, chain: string): Chain => {
    const key = `${table}\u0000${chain}`;
    const seen = touched.get(key);
    if (seen) return seen;
    const t = copyTable(dump, tables, table);
    const c = t.chains.get(chain);
    if (!c) throw new Error(`fix edits chain ${chain} of table ${table}, which does not exist`);
    touched.set(key, c);
    return c;
  };
  for (const e of edits) {
    if (e.kind !== "chain") continue;
    const t = copyTable(dump, tables, e.table);
    if (t.chains.has(e.chain)) throw new Error(`fix creates chain ${e.chain} in ${e.table}, which exists already`);
    t.chains.set(e.chain, { name: e.chain, builtin: false, declared: NO_SPAN, rules: [] });
  }
  for (const e of edits) {
    if (e.kind === "insert") {
      const c = chainOf(e.table, e.chain);
      let at = inserts.get(c);
      if (!at) inserts.set(c, (at = new Map()));
      const index = Math.min(Math.max(e.index, 0), c.rules.length);
      at.set(index, [...(at.get(index) ?? []), e.rule]);
    } else if (e.kind === "delete") {
      chainOf(e.table, e.chain);
      deletes.add(e.rule);
    }
  }
  for (const [key, c] of touched) {
    const [table] = key.split("\u0000") as [string];
    const at = inserts.get(c) ?? new Map<number, Rule[]>();
    const rules: Rule[] = [];
    for (let i = 0; i <= c.rules.length; i++) {
      rules.push(...(at.get(i) ?? []));
      const r = c.rules[i];
      if (r && !deletes.has(r)) rules.push(r);
    }
    tables.get(table)!.chains.set(c.name, { ...c, rules });
  }
  return { ...dump, tables, warnings: [] };
}
