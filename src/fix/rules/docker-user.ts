// Fixes in and around DOCKER-USER: DW104 (a blanket drop that also kills
// container egress and the replies to it), DW105 (a FORWARD rule Docker's
// jumps make unreachable: moved into DOCKER-USER), DW109 (DOCKER-USER not
// jumped to first from FORWARD).
import type { Rule } from "../../syntax/ast.js";
import type { Finding } from "../../lint/types.js";
import { authorRule, moveRule } from "../author.js";
import type { BuildContext } from "../context.js";
import { notNew } from "../sets.js";
import type { Edit, FixPlan } from "../types.js";
import { bridges, decidedBy, indexOf, namedExternal, replace, subjectRule, takenBy, union } from "./common.js";

const USER = "DOCKER-USER";

function isEstablishedPass(r: Rule): boolean {
  const m = r.matches[0];
  const states = m && (m.name === "conntrack" || m.name === "state") ? m.options.find((o) => (o.name === "--ctstate" || o.name === "--state") && !o.neg)?.args[0]?.split(",") : undefined;
  return r.matches.length === 1 && !r.src && !r.dst && !r.inIface && !r.outIface && !r.proto && !!states?.includes("ESTABLISHED") && !!states.includes("RELATED") && (r.target?.name === "RETURN" || r.target?.name === "ACCEPT");
}

function establishedReturn(ctx: BuildContext): Rule {
  return authorRule(ctx.dump.family, "filter", `-A ${USER} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`);
}

/** DW104: the ESTABLISHED return first, and the drop scoped to what arrives from outside. */
export function blanketDropFix(f: Finding, ctx: BuildContext): FixPlan[] | string {
  const rule = subjectRule(f, ctx);
  if (!rule || rule.chain !== USER) return "the finding names no DOCKER-USER rule";
  const chain = ctx.dump.tables.get("filter")!.chains.get(USER)!;
  const at = indexOf(ctx.dump, rule);
  const edits: Edit[] = [];
  const added: Rule[] = [];
  const says: string[] = [];
  if (!chain.rules.slice(0, at).some(isEstablishedPass)) {
    const est = establishedReturn(ctx);
    edits.push({ kind: "insert", table: "filter", chain: USER, index: 0, rule: est });
    added.push(est);
    says.push("puts 'RELATED,ESTABLISHED -j RETURN' first in DOCKER-USER, so replies and the rest of allowed connections pass");
  }
  const brs = [...new Set(bridges(ctx).map((b) => b.name))];
  if (!rule.inIface) {
    const ext = namedExternal(ctx);
    const next = moveRule(rule, rule.chain);
    if (ext) next.inIface = { neg: false, value: ext, span: next.span };
    else if (brs.length === 1) next.inIface = { neg: true, value: brs[0]!, span: next.span };
    else if (!ctx.seesUnnamedIfaces) return "several Docker bridges, and the engine cannot yet prove a drop scoped to one interface (src/fix/ENGINE-NOTES.md): scope the drop by hand";
    else return "several Docker bridges and no named external interface: give --default-iface so the drop can be scoped to it";
    edits.push(...replace(ctx.dump, rule, next));
    says.push(`scopes the drop at line ${rule.span.line} to ${ext ? `packets arriving on ${ext}` : `packets not coming from ${brs[0]}`}, so the containers' own connections are not dropped`);
  }
  if (edits.length === 0) return "the drop is already scoped and behind an ESTABLISHED accept";
  const line = rule.span.line;
  return [
    {
      finding: f,
      strategy: "docker-user",
      name: "docker-user-scope",
      description: `${says.join("; and ")}. What the drop was for, new connections from outside, stays dropped.`,
      edits,
      intent: ({ u, before }) => {
        const dropped = union(u, decidedBy(before, "filter", line).map((p) => p.set));
        const fromBridge = union(u, brs.map((n) => u.of({ k: "iface", dir: "in", name: n })));
        const fresh = u.of({ k: "ctstate", states: ["NEW"] });
        return {
          bad: u.empty(),
          keep: dropped.intersect(fresh).subtract(fromBridge),
          keepAsIs: true,
          unblock: rule.inIface ? u.empty() : dropped.intersect(fresh).intersect(fromBridge),
          // later packets of connections: replies to container egress, in the engine's terms
          mayChange: dropped.intersect(notNew(u)),
        };
      },
    },
  ];
}

/** DW105: the rule moves into DOCKER-USER (before Docker's trailing RETURN, if any). */
export function moveToDockerUserFix(f: Finding, ctx: BuildContext): FixPlan[] | string {
  const rule = subjectRule(f, ctx);
  if (!rule || rule.chain !== "FORWARD") return "the finding names no FORWARD rule";
  const user = ctx.dump.tables.get("filter")?.chains.get(USER);
  if (!user) return "the dump has no DOCKER-USER chain";
  if (rule.target?.name === "ACCEPT") return "an ACCEPT in DOCKER-USER would skip Docker's isolation rules: move it by hand, as a RETURN or a narrower accept";
  const last = user.rules[user.rules.length - 1];
  const bareReturn = last && last.target?.name === "RETURN" && !last.src && !last.dst && !last.inIface && !last.outIface && !last.proto && last.matches.length === 0;
  const moved = moveRule(rule, USER);
  const edits: Edit[] = [];
  // in DOCKER-USER a drop would also see replies, which Docker's chains used to accept first
  if (rule.target && rule.target.name !== "RETURN" && !user.rules.some(isEstablishedPass)) edits.push({ kind: "insert", table: "filter", chain: USER, index: 0, rule: establishedReturn(ctx) });
  edits.push(
    { kind: "insert", table: "filter", chain: USER, index: bareReturn ? user.rules.length - 1 : user.rules.length, rule: moved },
    { kind: "delete", table: "filter", chain: "FORWARD", rule },
  );
  return [
    {
      finding: f,
      strategy: "docker-user",
      name: "move-to-docker-user",
      description: `Moves the rule at line ${rule.span.line} from FORWARD into DOCKER-USER, which runs before Docker's own chains and which Docker keeps first in FORWARD.`,
      edits,
      intent: (ic) => ({ bad: ic.u.empty(), keep: ic.u.empty(), effect: takenBy(ic, [moved]) }),
    },
  ];
}

/** DW109: `-I FORWARD 1 -j DOCKER-USER`, replacing a jump that sits lower. */
export function wireDockerUserFix(f: Finding, ctx: BuildContext): FixPlan[] | string {
  const filter = ctx.dump.tables.get("filter");
  if (!filter?.chains.get(USER) || !filter.chains.get("FORWARD")) return "the dump has no DOCKER-USER or FORWARD chain";
  const jump = authorRule(ctx.dump.family, "filter", `-A FORWARD -j ${USER}`);
  const old = filter.chains.get("FORWARD")!.rules.find((r) => r.target?.kind === "chain" && r.target.name === USER && !r.src && !r.dst && !r.inIface && !r.outIface && !r.proto && r.matches.length === 0);
  const edits: Edit[] = old ? replace(ctx.dump, old, jump).map((e) => (e.kind === "insert" ? { ...e, index: 0 } : e)) : [{ kind: "insert", table: "filter", chain: "FORWARD", index: 0, rule: jump }];
  const userRules = filter.chains.get(USER)!.rules;
  // once wired, DOCKER-USER sees replies before FORWARD's own ESTABLISHED accept
  const drops = userRules.some((r) => r.target?.name === "DROP" || r.target?.name === "REJECT");
  const shield = drops && !userRules.some(isEstablishedPass);
  if (shield) edits.push({ kind: "insert", table: "filter", chain: USER, index: 0, rule: establishedReturn(ctx) });
  return [
    {
      finding: f,
      strategy: "docker-user",
      name: "wire-docker-user",
      description:
        (old
          ? `Moves the jump to DOCKER-USER (line ${old.span.line}) to the top of FORWARD, where Docker puts it, so the rules in DOCKER-USER see container traffic first.`
          : "Adds the jump to DOCKER-USER at the top of FORWARD, where Docker puts it, so the rules in DOCKER-USER filter container traffic. Restart dockerd afterwards so it re-asserts its own order.") +
        (shield ? " Also puts 'RELATED,ESTABLISHED -j RETURN' first in DOCKER-USER, so its drops do not cut the replies to the containers' own connections." : ""),
      edits,
      intent: (ic) => {
        // the rules that now decide are DOCKER-USER's own (their lines are the dump's)
        const lines = new Set(userRules.map((r) => r.span.line));
        const effect = union(ic.u, ic.after().filter((p) => p.decidedBy?.table === "filter" && lines.has(p.decidedBy.line)).map((p) => p.set));
        return { bad: ic.u.empty(), keep: ic.u.empty(), effect };
      },
    },
  ];
}
