// DW109: DOCKER-USER holds rules, but FORWARD does not jump to it before
// anything else decides (or does not jump to it at all), so the rules the
// user wrote there never filter container traffic.
import type { Rule } from "../../../syntax/ast.js";
import { isDockerChain } from "../../context.js";
import { chainTarget, decidingChains, reachableChains, ruleDecides } from "../../structure.js";
import type { LintRule } from "../../types.js";

const USER_CHAIN = "DOCKER-USER";

/** Docker's own content of DOCKER-USER before 28.3 is a lone `-j RETURN`. */
function isDockerDefault(r: Rule): boolean {
  return r.target?.name === "RETURN" && !r.src && !r.dst && !r.inIface && !r.outIface && !r.proto && r.matches.length === 0;
}

export const dockerUserNotWired: LintRule = {
  meta: {
    id: "DW109",
    name: "docker-user-not-wired",
    severity: "error",
    summary: "DOCKER-USER has rules, but FORWARD does not jump to it first (or at all)",
  },
  check(ctx, report) {
    const table = ctx.table("filter");
    const user = table?.chains.get(USER_CHAIN);
    if (!table || !user) return;
    const own = user.rules.filter((r) => !isDockerDefault(r));
    if (own.length === 0) return;
    const forward = table.chains.get("FORWARD");
    const n = `${own.length} rule${own.length === 1 ? "" : "s"}`;
    if (!reachableChains(table, "FORWARD").has(USER_CHAIN)) {
      const dockerChains = [...table.chains.keys()].some((c) => isDockerChain(c) && c !== USER_CHAIN);
      const why = dockerChains
        ? "Docker adds `-A FORWARD -j DOCKER-USER` when it starts; a restore file or a flush has removed it"
        : "no other Docker chain is in this dump either: Docker 29 with the nftables backend no longer creates or uses DOCKER-USER, or Docker's rules were flushed";
      report({
        message: `DOCKER-USER holds ${n}, but nothing in FORWARD jumps to it, so they never filter a packet (${why}). Add 'iptables -I FORWARD 1 -j DOCKER-USER' and restart dockerd, or move the rules to an nft table`,
        at: ctx.chainSubject("filter", USER_CHAIN),
        related: own.slice(0, 1).map((r) => ({ role: "first rule that never runs", at: ctx.ruleSubject(r) })),
      });
      return;
    }
    if (!forward) return;
    const jumpAt = forward.rules.findIndex((r) => chainTarget(r) === USER_CHAIN);
    if (jumpAt < 0) return; // reached through another chain: the user wired it on purpose
    const deciding = decidingChains(table);
    const before = forward.rules.slice(0, jumpAt).filter((r) => ruleDecides(r, deciding));
    if (before.length === 0) return;
    const first = before[0]!;
    const jump = forward.rules[jumpAt]!;
    report({
      message: `FORWARD decides at line ${first.span.line} before it jumps to DOCKER-USER at line ${jump.span.line}: packets that rule ${first.target!.name === "ACCEPT" || first.target!.name === "DROP" || first.target!.name === "REJECT" ? `${first.target!.name}s` : "settles"} never reach the ${n} in DOCKER-USER. Move the jump to the top ('iptables -I FORWARD 1 -j DOCKER-USER'); Docker puts it there again on restart`,
      at: ctx.ruleSubject(jump),
      related: [
        { role: "FORWARD rule that decides first", at: ctx.ruleSubject(first) },
        { role: "DOCKER-USER chain", at: ctx.chainSubject("filter", USER_CHAIN) },
      ],
    });
  },
};
