// Netfilter's hook order for iptables tables, shared by the concrete tracer and
// the symbolic engine so both walk the same sequence.
import type { Chain, Dump, Rule } from "../syntax/ast.js";
import type { Hook } from "./api.js";

export interface Stage {
  table: string;
  hook: Hook;
}

const s = (table: string, hook: Hook): Stage => ({ table, hook });

/** Arriving packet, before routing (nat only for a connection's first packet). */
export const PREROUTING: readonly Stage[] = [s("raw", "PREROUTING"), s("mangle", "PREROUTING"), s("nat", "PREROUTING")];
export const INPUT: readonly Stage[] = [s("mangle", "INPUT"), s("filter", "INPUT"), s("security", "INPUT"), s("nat", "INPUT")];
export const FORWARD: readonly Stage[] = [s("mangle", "FORWARD"), s("filter", "FORWARD"), s("security", "FORWARD")];
export const OUTPUT: readonly Stage[] = [s("raw", "OUTPUT"), s("mangle", "OUTPUT"), s("nat", "OUTPUT"), s("filter", "OUTPUT"), s("security", "OUTPUT")];
export const POSTROUTING: readonly Stage[] = [s("mangle", "POSTROUTING"), s("nat", "POSTROUTING")];

/** The built-in chain for a stage, when the dump has it. */
export function stageChain(dump: Dump, st: Stage): Chain | undefined {
  const c = dump.tables.get(st.table)?.chains.get(st.hook);
  return c?.builtin ? c : undefined;
}

export function userChain(dump: Dump, table: string, name: string): Chain | undefined {
  return dump.tables.get(table)?.chains.get(name);
}

/** The line of a chain's `:CHAIN` declaration (0 when a rule created it implicitly). */
export function declLine(c: Chain): number {
  return c.declared?.line ?? 0;
}

export function ruleLine(r: Rule): number {
  return r.span.line;
}

/** A bound on jumps per traversal: the kernel rejects loops at load time, a dump may still contain one. */
export const MAX_STEPS = 1_000_000;
