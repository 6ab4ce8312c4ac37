// What a lint rule sees: the dump (and the other family's dump when paired),
// with helpers to walk it and to name its lines as Subjects.
import type { Chain, Dump, Rule, Table } from "../syntax/ast.js";
import type { Subject } from "./types.js";
import { isDockerChain } from "../engine/api.js";

export interface LintContext {
  dump: Dump;
  /** The other family's dump, when the user paired them (--ip6). */
  peer?: Dump;
  table(name: string): Table | undefined;
  chain(table: string, name: string): Chain | undefined;
  /** Every rule of a table, chain by chain in the dump's order. */
  rules(table: string): Iterable<Rule>;
  ruleSubject(rule: Rule, dump?: Dump): Subject;
  chainSubject(table: string, chain: string, dump?: Dump): Subject;
}

export function makeContext(dump: Dump, peer?: Dump): LintContext {
  return {
    dump,
    ...(peer ? { peer } : {}),
    table: (name) => dump.tables.get(name),
    chain: (table, name) => dump.tables.get(table)?.chains.get(name),
    *rules(table) {
      const t = dump.tables.get(table);
      if (!t) return;
      for (const c of t.chains.values()) yield* c.rules;
    },
    ruleSubject: (rule, d = dump) => ({ dump: d, table: rule.table, chain: rule.chain, rule }),
    chainSubject: (table, chain, d = dump) => ({ dump: d, table, chain }),
  };
}

// Docker's chain names live with the engine's other Docker facts
export { isDockerChain };

/**
 * Chains other firewall managers create and wire themselves (ufw, firewalld,
 * kube-proxy, CNI/netavark, libvirt, Tailscale, fail2ban): an empty or
 * unreferenced one is their business, not a user mistake.
 */
export function isManagedChain(name: string): boolean {
  return (
    isDockerChain(name) ||
    /^(ufw6?-|KUBE-|CNI-|NETAVARK|LIBVIRT_|ts-|f2b-|cali-|cilium|FLANNEL|WEAVE)/.test(name) ||
    /^(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING)_(direct|ZONES|ZONES_SOURCE|POLICIES|POLICIES_pre|POLICIES_post)$/.test(name) ||
    /^(IN|FWDI|FWDO|FWD|PRE|POST)_[A-Za-z0-9_-]+$/.test(name)
  );
}

/** DOCKER-USER is the one Docker chain whose rules the user writes. */
export function userWritesChain(name: string): boolean {
  return !isDockerChain(name) || name === "DOCKER-USER";
}

/** Every chain of the dump whose rules the user wrote (Docker's own chains left out). */
export function* userChains(dump: Dump): Iterable<Chain> {
  for (const table of dump.tables.values()) {
    for (const chain of table.chains.values()) if (userWritesChain(chain.name)) yield chain;
  }
}
