// The AST as JSON: a stable, documented shape (docs/ast-json.md). Maps become
// arrays so that key order is the dump's order and no key comes from input.
import type { Dump } from "../syntax/ast.js";
import { orderedChains, orderedTables } from "./save.js";

export const AST_JSON_VERSION = 1;

export function dumpToJson(dump: Dump): unknown {
  return {
    version: AST_JSON_VERSION,
    file: dump.file,
    family: dump.family,
    header: dump.header ?? null,
    legacyTablesWarning: dump.legacyTablesWarning ?? null,
    isRestoreScript: dump.isRestoreScript,
    warnings: dump.warnings,
    tables: orderedTables(dump).map((t) => ({
      name: t.name,
      span: t.span,
      commit: t.commit ?? null,
      chains: orderedChains(t).map((c) => ({
        name: c.name,
        builtin: c.builtin,
        policy: c.policy ?? null,
        counters: c.counters ?? null,
        declared: c.declared ?? null,
        rules: c.rules.map((r) => ({
          span: r.span,
          counters: r.counters ?? null,
          src: r.src ?? null,
          dst: r.dst ?? null,
          inIface: r.inIface ?? null,
          outIface: r.outIface ?? null,
          proto: r.proto ?? null,
          fragment: r.fragment ?? null,
          matches: r.matches,
          target: r.target ?? null,
        })),
      })),
    })),
  };
}
