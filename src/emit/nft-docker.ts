// `dockwall convert --docker`: which parts of a dump Docker owns and re-creates
// itself (its chains, the jumps into them, the MASQUERADEs for its bridges, its
// raw direct-access drops), so that only the user's own rules move to nft. The
// rule shapes come from shared/reference/docker-netfilter.md §2 (every era).
// DOCKER-USER keeps its rules but becomes a forward-hook chain, because Docker
// 29's nftables backend has no DOCKER-USER to jump to.
import type { Dump, Rule } from "../syntax/ast.js";
import type { ConvertNote, ConvertPlan } from "./nft.js";
import { dockerBridges, isDockerOwnedChain } from "../engine/api.js";

const hostPrefix = (r: Rule, which: "src" | "dst") => {
  const a = r[which];
  return !!a && !a.neg && (a.prefix === 32 || a.prefix === 128);
};

const onlyMatches = (r: Rule, names: readonly string[]) => r.matches.every((m) => names.includes(m.name));

function isRelatedEstablished(r: Rule): boolean {
  return r.matches.some((m) => m.name === "conntrack" && m.options.length === 1 && m.options[0]!.name === "--ctstate" && !m.options[0]!.neg && m.options[0]!.args[0] === "RELATED,ESTABLISHED");
}

/** A rule in a built-in chain that dockerd wrote (recognised by shape, not position: Docker reorders). */
function dockerRuleInBuiltin(r: Rule, bridges: ReadonlySet<string>): boolean {
  const t = r.target;
  if (!t) return false;
  if (t.kind === "chain" && isDockerOwnedChain(t.name)) return true;
  if (t.kind === "chain" && t.name === "DOCKER-USER" && r.table === "filter" && r.chain === "FORWARD") return true;
  const iif = r.inIface && bridges.has(r.inIface.value) ? r.inIface : undefined;
  const oif = r.outIface && bridges.has(r.outIface.value) ? r.outIface : undefined;
  // with a host address for the bridge (com.docker.network.host_ipv4/6) Docker writes SNAT where it writes MASQUERADE
  if (r.table === "nat" && r.chain === "POSTROUTING" && (t.name === "MASQUERADE" || t.name === "SNAT")) {
    // -s SUBNET ! -o BR: the bridge's outgoing NAT
    if (oif?.neg && r.src && !r.src.neg && r.matches.length === 0) return true;
    // -o BR -m addrtype --src-type LOCAL: hairpin without the userland proxy
    if (oif && !oif.neg && onlyMatches(r, ["addrtype"])) return true;
    // -s C/32 -d C/32 -p tcp --dport P: per-port hairpin
    if (hostPrefix(r, "src") && hostPrefix(r, "dst") && r.src!.addr === r.dst!.addr && onlyMatches(r, ["tcp", "udp", "sctp"])) return true;
    return false;
  }
  if (r.table === "filter" && r.chain === "FORWARD") {
    const ipsetDocker = r.matches.some((m) => m.name === "set" && m.options.some((o) => o.args[0]?.startsWith("docker-ext-bridges")));
    if (ipsetDocker) return true;
    if (!iif && !oif) return false;
    if (!["ACCEPT", "DROP"].includes(t.name)) return false;
    if (oif && !oif.neg && !iif && isRelatedEstablished(r) && r.matches.length === 1) return true;
    if (r.matches.length === 0 && !r.src && !r.dst && !r.proto) {
      if (iif && !iif.neg && (!r.outIface || (oif && r.outIface.value === iif.value))) return true;
    }
    return false;
  }
  // WSL2 mirrored networking: the loopback-published port is let in from loopback0
  if (r.table === "raw" && r.chain === "PREROUTING" && t.name === "ACCEPT" && r.inIface?.value === "loopback0" && !r.inIface.neg && hostPrefix(r, "dst")) return true;
  if (r.table === "raw" && r.chain === "PREROUTING" && t.name === "DROP") {
    // direct-access drops: -d C/32 ! -i BR [-p P --dport N]; loopback: -d 127.0.0.1/32 ! -i lo -p P --dport N
    if (hostPrefix(r, "dst") && r.inIface?.neg && (bridges.has(r.inIface.value) || r.inIface.value === "lo") && onlyMatches(r, ["tcp", "udp", "sctp"])) return true;
    return false;
  }
  if (r.table === "mangle" && r.chain === "POSTROUTING" && t.name === "CHECKSUM" && oif) return true;
  return false;
}

/**
 * The plan for `--docker`: leave out Docker's chains and rules, turn DOCKER-USER
 * into `hook forward priority filter - 1`, and say where nft's semantics differ
 * for a Docker host.
 */
export function dockerPlan(dump: Dump): ConvertPlan {
  const bridges = dockerBridges(dump);
  const skipped = new Set<Rule>();
  const notes: ConvertNote[] = [];
  for (const t of dump.tables.values()) {
    for (const c of t.chains.values()) {
      if (!c.builtin) continue;
      for (const r of c.rules) if (dockerRuleInBuiltin(r, bridges)) skipped.add(r);
    }
  }
  const user = dump.tables.get("filter")?.chains.get("DOCKER-USER");
  if (user) {
    // Docker's own `-A DOCKER-USER -j RETURN` (before 28.3) is a no-op at the end of a base chain
    const last = user.rules.at(-1);
    if (last && last.target?.name === "RETURN" && last.matches.length === 0 && !last.src && !last.dst && !last.inIface && !last.outIface && !last.proto) skipped.add(last);
    const own = user.rules.filter((r) => !skipped.has(r));
    notes.push({
      code: "docker-user",
      message:
        "DOCKER-USER has no equivalent on Docker 29's nftables backend (firewall-backend=nftables): its rules are now chain DOCKER-USER " +
        "at 'hook forward priority filter - 1', which runs before Docker's filter-FORWARD chain. Its drops still win; its accepts no longer skip " +
        "Docker's drops or the FORWARD rules after it. To let traffic past Docker, set a mark there (meta mark set 0x1 accept) and start dockerd " +
        "with --bridge-accept-fwmark=0x1.",
      ...(user.declared ? { span: user.declared } : {}),
    });
    for (const r of own) {
      if (r.target?.name === "ACCEPT") {
        notes.push({
          code: "docker-user-accept",
          message: "this ACCEPT in DOCKER-USER ended FORWARD in iptables; in nft it ends only the DOCKER-USER chain, and Docker's chains and your FORWARD rules still run (accept is not final across chains and tables)",
          span: r.span,
        });
      }
    }
  }
  const forward = dump.tables.get("filter")?.chains.get("FORWARD");
  if (forward?.policy === "DROP") {
    notes.push({
      code: "forward-drop-policy",
      message:
        "filter FORWARD has policy DROP (dockerd sets it when it enables IP forwarding). As an nft base chain, a drop policy drops container traffic " +
        "that Docker's own table accepts: an accept in one nft table does not override a drop in another. Accept Docker's traffic in this chain or use policy accept.",
      ...(forward.declared ? { span: forward.declared } : {}),
    });
  }
  notes.push({
    code: "nft-accept-not-final",
    message:
      "nft runs every base chain on a hook: an accept in one table does not override a drop in another, and a drop anywhere is final. " +
      "Rules that relied on ACCEPT to skip later iptables chains behave differently next to Docker's tables.",
  });
  return {
    skipRule: (r) => skipped.has(r),
    skipChain: (_table, chain) => isDockerOwnedChain(chain),
    baseChain: (table, chain) => (table === "filter" && chain === "DOCKER-USER" ? { type: "filter", hook: "forward", priority: "filter - 1" } : undefined),
    notes,
  };
}
