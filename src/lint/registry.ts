// The catalogue: every lint rule, in id order. A new rule gets a folder under
// src/lint/rules/<name>/ (index.ts, README.md, <name>.test.ts) and a line here.
import type { LintRule } from "./types.js";
import { legacyNftSplit } from "./rules/legacy-nft-split/index.js";
import { dockerUserNotWired } from "./rules/docker-user-not-wired/index.js";
import { duplicateRule } from "./rules/duplicate-rule/index.js";
import { undefinedChain } from "./rules/undefined-chain/index.js";
import { unreferencedChain } from "./rules/unreferenced-chain/index.js";
import { deprecatedStateMatch } from "./rules/deprecated-state-match/index.js";
import { inputBypassedByDnat } from "./rules/input-bypassed-by-dnat/index.js";
import { dockerUserHostPort } from "./rules/docker-user-host-port/index.js";
import { ctorigWithoutCtdir } from "./rules/ctorig-without-ctdir/index.js";
import { dockerUserBlanketDrop } from "./rules/docker-user-blanket-drop/index.js";
import { forwardRuleAfterDocker } from "./rules/forward-rule-after-docker/index.js";
import { loopbackPublishReachable } from "./rules/loopback-publish-reachable/index.js";
import { directRoutingToContainers } from "./rules/direct-routing-to-containers/index.js";
import { persistedDockerRules } from "./rules/persisted-docker-rules/index.js";
import { ipv6Unfiltered } from "./rules/ipv6-unfiltered/index.js";
import { sensitivePortExposed } from "./rules/sensitive-port-exposed/index.js";
import { nodeportBypass } from "./rules/nodeport-bypass/index.js";
import { swarmIngressAllAddresses } from "./rules/swarm-ingress-all-addresses/index.js";
import { containerPortCollision } from "./rules/container-port-collision/index.js";
import { shadowedRule } from "./rules/shadowed-rule/index.js";

export const RULES: readonly LintRule[] = [
  inputBypassedByDnat,
  dockerUserHostPort,
  ctorigWithoutCtdir,
  dockerUserBlanketDrop,
  forwardRuleAfterDocker,
  loopbackPublishReachable,
  directRoutingToContainers,
  persistedDockerRules,
  ipv6Unfiltered,
  sensitivePortExposed,
  nodeportBypass,
  swarmIngressAllAddresses,
  containerPortCollision,
  shadowedRule,
  dockerUserNotWired,
  legacyNftSplit,
  duplicateRule,
  undefinedChain,
  unreferencedChain,
  deprecatedStateMatch,
].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1));

/** Rule id and name (either spelling) -> id. */
export const RULE_IDS: ReadonlyMap<string, string> = new Map(RULES.flatMap((r) => [[r.meta.id, r.meta.id], [r.meta.name, r.meta.id]] as const));

export function findRule(idOrName: string): LintRule | undefined {
  const id = RULE_IDS.get(idOrName) ?? RULE_IDS.get(idOrName.toUpperCase());
  return RULES.find((r) => r.meta.id === id);
}
