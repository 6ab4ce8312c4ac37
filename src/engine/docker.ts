// What dockerd owns in a dump: one definition for the lint rules that ask
// "is this Docker's bridge?" and for `convert --docker`, which leaves out what
// Docker re-creates. Shapes from shared/reference/docker-netfilter.md §2.
import type { Dump } from "../syntax/ast.js";

/** Chains dockerd creates and re-creates (DOCKER_OUTPUT/POSTROUTING live in containers' namespaces); DOCKER-USER is the user's. */
const DOCKER_OWNED_CHAIN = /^(DOCKER|DOCKER-ISOLATION|DOCKER-ISOLATION-STAGE-\d+|DOCKER-FORWARD|DOCKER-CT|DOCKER-BRIDGE|DOCKER-INTERNAL|DOCKER-INGRESS|DOCKER_OUTPUT|DOCKER_POSTROUTING)$/;

export function isDockerOwnedChain(name: string): boolean {
  return DOCKER_OWNED_CHAIN.test(name);
}

/**
 * Any chain in Docker's namespace (all eras, both backends' iptables side),
 * DOCKER-USER and chains named like Docker's included: what lint asks when a
 * jump or a path "goes into Docker's rules". isDockerOwnedChain is the strict
 * list of what dockerd itself re-creates.
 */
export function isDockerChain(name: string): boolean {
  return name === "DOCKER" || name.startsWith("DOCKER-") || name.startsWith("DOCKER_");
}

/**
 * The bridges dockerd manages: docker0, docker_gwbridge, and whatever Docker's
 * own chains name with -i/-o (br-<id>, custom bridge names). What DOCKER-USER
 * names says nothing (the user wrote it), and a CNI bridge such as flannel's
 * cni0 is not Docker's.
 */
export function dockerBridges(dump: Dump): Set<string> {
  const names = new Set<string>(["docker0", "docker_gwbridge"]);
  for (const t of dump.tables.values())
    for (const c of t.chains.values()) {
      if (!isDockerOwnedChain(c.name)) continue;
      for (const r of c.rules) for (const m of [r.inIface, r.outIface]) if (m && !m.value.endsWith("+") && m.value !== "lo") names.add(m.value);
    }
  return names;
}
