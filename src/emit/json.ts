// The AST as JSON: a stable, versioned shape documented in grammar/ast-json.md.
// Maps become arrays so that order is the dump's order and no key comes from
// input (a chain may be called __proto__). Every object is built field by field
// here, so a field added to the in-memory AST does not leak into the format.
import type { AddrMatch, Diagnostic, Dump, MatchCall, NamedMatch, OptionValue, Span, TargetCall } from "../syntax/ast.js";
import { orderedChains, orderedTables } from "./save.js";

/** Bumped on any change that can break a reader (a field removed, renamed or retyped). */
export const AST_JSON_VERSION = 1;

const span = (s: Span) => ({ line: s.line, col: s.col, endCol: s.endCol });
const opt = (o: OptionValue) => ({ name: o.name, neg: o.neg, args: [...o.args], span: span(o.span) });
const named = (m: NamedMatch | undefined) => (m ? { neg: m.neg, value: m.value, span: span(m.span) } : null);
const addr = (a: AddrMatch | undefined) => (a ? { neg: a.neg, addr: a.addr, prefix: a.prefix, mask: a.mask, span: span(a.span) } : null);
const diag = (d: Diagnostic) => ({ severity: d.severity, code: d.code, message: d.message, span: span(d.span) });
const match = (m: MatchCall) => ({ name: m.name, known: m.known, implicit: m.implicit, options: m.options.map(opt), span: span(m.span) });
const target = (t: TargetCall | undefined) =>
  t ? { name: t.name, kind: t.kind, goto: t.goto, options: t.options.map(opt), span: span(t.span) } : null;

export function dumpToJson(dump: Dump): unknown {
  const h = dump.header;
  return {
    version: AST_JSON_VERSION,
    file: dump.file,
    family: dump.family,
    header: h ? { tool: h.tool, version: h.version, backend: h.backend ?? null, span: span(h.span) } : null,
    legacyTablesWarning: dump.legacyTablesWarning ? span(dump.legacyTablesWarning) : null,
    isRestoreScript: dump.isRestoreScript,
    warnings: dump.warnings.map(diag),
    tables: orderedTables(dump).map((t) => ({
      name: t.name,
      span: span(t.span),
      commit: t.commit ? span(t.commit) : null,
      chains: orderedChains(t).map((c) => ({
        name: c.name,
        builtin: c.builtin,
        policy: c.policy ?? null,
        counters: c.counters ? { packets: c.counters.packets, bytes: c.counters.bytes } : null,
        declared: c.declared ? span(c.declared) : null,
        rules: c.rules.map((r) => ({
          span: span(r.span),
          counters: r.counters ? { packets: r.counters.packets, bytes: r.counters.bytes } : null,
          src: addr(r.src),
          dst: addr(r.dst),
          inIface: named(r.inIface),
          outIface: named(r.outIface),
          proto: named(r.proto),
          fragment: r.fragment ? { neg: r.fragment.neg, span: span(r.fragment.span) } : null,
          matches: r.matches.map(match),
          target: target(r.target),
        })),
      })),
    })),
  };
}
