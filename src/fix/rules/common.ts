// Small pieces the fix builders share: where a rule sits, replacing a rule in
// place (insert the new one, then delete the old), the Docker bridges, and
// the packets a dump line decides.
import type { OutcomePart, PacketSet, Universe } from "../../engine/api.js";
import type { Dump, Rule } from "../../syntax/ast.js";
import type { Finding } from "../../lint/types.js";
import type { BuildContext } from "../context.js";
import type { Edit, IntentContext } from "../types.js";

export function indexOf(dump: Dump, r: Rule): number {
  return dump.tables.get(r.table)?.chains.get(r.chain)?.rules.indexOf(r) ?? -1;
}

/** The rule the finding points at, when it is a rule of the dump. */
export function subjectRule(f: Finding, ctx: BuildContext): Rule | undefined {
  return f.subject?.dump === ctx.dump ? f.subject.rule : undefined;
}

/** The new rule takes the old one's place: inserted before it, then the old one deleted. */
export function replace(dump: Dump, old: Rule, next: Rule): Edit[] {
  return [
    { kind: "insert", table: old.table, chain: old.chain, index: indexOf(dump, old), rule: next },
    { kind: "delete", table: old.table, chain: old.chain, rule: old },
  ];
}

/** Docker bridges the host model found in the dump (name and subnet). */
export function bridges(ctx: { host: BuildContext["host"] }): { name: string; addr: string; prefix: number }[] {
  return ctx.host.ifaces.filter((i) => i.origin === "dump").flatMap((i) => i.addrs.map((a) => ({ name: i.name, ...a })));
}

export function union(u: Universe, sets: readonly PacketSet[]): PacketSet {
  return sets.reduce((a, b) => a.union(b), u.empty());
}

/** Packets whose whole path was decided by the rule at (table, line). */
export function decidedBy(parts: readonly OutcomePart[], table: string, line: number): OutcomePart[] {
  return parts.filter((p) => p.decidedBy?.table === table && p.decidedBy.line === line);
}

/** Packets whose path now takes one of the added rules (for fixes that make rules apply). */
export function takenBy(ctx: IntentContext, rules: readonly Rule[]): PacketSet {
  const lines = new Set(rules.map((r) => `${r.table}\u0000${r.span.line}`));
  return union(
    ctx.u,
    ctx.after().filter((p) => p.path.some((s) => lines.has(`${s.table}\u0000${s.line}`)) || (p.decidedBy && lines.has(`${p.decidedBy.table}\u0000${p.decidedBy.line}`))).map((p) => p.set),
  );
}

/** The external interface when the dump or the user names one; Docker bridges and loopback never are. */
export function namedExternal(ctx: BuildContext): string | undefined {
  if (!ctx.seesUnnamedIfaces) return undefined;
  const ext = ctx.host.ifaces.find((i) => i.name === ctx.host.defaultIface);
  if (ext && ext.origin === "option") return ext.name;
  const skip = new Set(bridges(ctx).map((b) => b.name));
  const names = new Set<string>();
  for (const t of ctx.dump.tables.values())
    for (const c of t.chains.values())
      for (const r of c.rules) if (r.inIface && !r.inIface.neg && !r.inIface.value.endsWith("+") && r.inIface.value !== "lo" && !skip.has(r.inIface.value) && !/^(docker|br-|veth|cni|flannel|cali|kube|virbr|lxdbr|wg|tun|tailscale)/.test(r.inIface.value)) names.add(r.inIface.value);
  return names.size === 1 ? [...names][0] : undefined;
}
