// Fixes that rewrite a filter rule onto conntrack's original tuple:
// DW102 (a DOCKER-USER/FORWARD rule keyed on the host port or address, which
// DNAT rewrote before the rule runs) and DW103 (a drop on --ctorig* without
// --ctdir ORIGINAL, which also hits replies to containers' own connections).
import type { MatchCall, Rule } from "../../syntax/ast.js";
import type { Finding } from "../../lint/types.js";
import { authorRule, moveRule } from "../author.js";
import type { BuildContext } from "../context.js";
import type { FixPlan } from "../types.js";
import { replace, subjectRule, takenBy } from "./common.js";

const DROPS = new Set(["DROP", "REJECT"]);

/** The same rule with --ctdir ORIGINAL in its conntrack match. */
export function ctdirFix(f: Finding, ctx: BuildContext): FixPlan[] | string {
  const rule = subjectRule(f, ctx);
  if (!rule) return "the finding names no rule";
  const next = moveRule(rule, rule.chain);
  const ct = next.matches.find((m) => m.name === "conntrack" && m.options.some((o) => o.name.startsWith("--ctorig")));
  if (!ct) return "the rule has no --ctorig match";
  ct.options = ct.options.filter((o) => o.name !== "--ctdir");
  ct.options.push({ name: "--ctdir", neg: false, args: ["ORIGINAL"], span: ct.span });
  return [
    {
      finding: f,
      strategy: "docker-user",
      name: "ctdir-original",
      description: `Adds --ctdir ORIGINAL to the rule at line ${rule.span.line}: it keeps matching the packets of connections made to that original port or address, but no longer the replies to connections the containers open themselves.`,
      edits: replace(ctx.dump, rule, next),
      intent: ({ u }) => ({
        bad: u.empty(),
        keep: u.empty(),
        outsideModel: "replies to containers' outbound connections; the added rule is checked to be blind to them",
      }),
    },
  ];
}

/**
 * `-d HOSTADDR` and `--dport HOSTPORT` become `--ctorigdst` / `--ctorigdstport`
 * (with --ctdir ORIGINAL): what the packet was addressed to before DNAT.
 */
export function originalTupleFix(f: Finding, ctx: BuildContext): FixPlan[] | string {
  const rule = subjectRule(f, ctx);
  if (!rule) return "the finding names no rule";
  if (!rule.target || !DROPS.has(rule.target.name)) return `a ${rule.target?.name ?? "target-less"} rule keyed on the host port changes what is let through: rewrite it by hand`;
  const proto = rule.proto && !rule.proto.neg ? rule.proto.value : undefined;
  const words: string[] = [];
  if (rule.dst) words.push(`${rule.dst.neg ? "! " : ""}--ctorigdst ${rule.dst.addr}/${rule.dst.prefix ?? rule.dst.mask}`);
  const keep: MatchCall[] = [];
  for (const m of rule.matches) {
    const dport = m.options.find((o) => o.name === "--dport");
    if ((m.name === "tcp" || m.name === "udp" || m.name === "sctp") && dport) {
      words.push(`${dport.neg ? "! " : ""}--ctorigdstport ${dport.args[0]}`);
      const rest = m.options.filter((o) => o !== dport);
      if (rest.length) keep.push({ ...m, options: rest });
      continue;
    }
    if (m.name === "multiport") return "a multiport list has no conntrack form: split the rule by port first";
    keep.push(m);
  }
  if (words.length === 0) return "the rule names neither a destination address nor a port";
  if (proto) words.unshift(`--ctproto ${proto}`);
  const ct = authorRule(ctx.dump.family, "filter", `-A ${rule.chain} -m conntrack ${words.join(" ")} --ctdir ORIGINAL -j ${rule.target.name}`).matches[0]!;
  const next: Rule = moveRule(rule, rule.chain);
  delete next.dst;
  next.matches = [...keep.map((m) => structuredClone(m)), structuredClone(ct)];
  next.span = { ...next.span };
  return [
    {
      finding: f,
      strategy: "docker-user",
      name: "ctorig-rewrite",
      description: `Rewrites the rule at line ${rule.span.line} to test conntrack's original destination (what the packet was addressed to before DNAT) instead of the header, which already carries the container's address and port in ${rule.chain}.`,
      edits: replace(ctx.dump, rule, next),
      intent: (ic) => ({ bad: ic.u.empty(), keep: ic.u.empty(), effect: takenBy(ic, [next]) }),
    },
  ];
}
