// The extension registry: every match and target module dockwall knows.
// A new module goes in matches/<name>.ts or targets/<NAME>.ts and is listed here.
import type { Dump, Family } from "../syntax/ast.js";
import { parseDump, type ParseOptions } from "../syntax/build.js";
import type { ModuleResolver } from "../syntax/spec.js";
import { canonProtocol } from "./protocols.js";
import type { Extension } from "./types.js";
import { addrtype } from "./matches/addrtype.js";
import { comment } from "./matches/comment.js";
import { conntrack } from "./matches/conntrack.js";
import { tcp } from "./matches/tcp.js";
import { udp } from "./matches/udp.js";
import { DNAT } from "./targets/DNAT.js";
import { MASQUERADE } from "./targets/MASQUERADE.js";
import { SNAT } from "./targets/SNAT.js";

const MATCHES: readonly Extension[] = [addrtype, comment, conntrack, tcp, udp];
const TARGETS: readonly Extension[] = [DNAT, MASQUERADE, SNAT];

const matchByName = new Map<string, Extension[]>();
const targetByName = new Map<string, Extension[]>();
for (const m of MATCHES) matchByName.set(m.name, [...(matchByName.get(m.name) ?? []), m]);
for (const t of TARGETS) targetByName.set(t.name, [...(targetByName.get(t.name) ?? []), t]);

function pick(list: Extension[] | undefined, family: Family): Extension | undefined {
  return list?.find((e) => !e.family || e.family === family);
}

/** Match module aliases that iptables accepts (`-m icmpv6` is icmp6, ...). */
const MATCH_ALIASES = new Map([["icmpv6", "icmp6"], ["ipv6-icmp", "icmp6"]]);

/** The module `-p PROTO` loads without `-m`. */
const PROTO_MODULE = new Map([["tcp", "tcp"], ["udp", "udp"], ["icmp", "icmp"], ["ipv6-icmp", "icmp6"], ["sctp", "sctp"], ["dccp", "dccp"], ["udplite", "udp"]]);

export function findMatch(name: string, family: Family): Extension | undefined {
  return pick(matchByName.get(MATCH_ALIASES.get(name) ?? name), family);
}

export function findTarget(name: string, family: Family): Extension | undefined {
  return pick(targetByName.get(name), family);
}

export const resolver: ModuleResolver = {
  match: findMatch,
  target: findTarget,
  protocolModule(proto, family) {
    const m = PROTO_MODULE.get(proto);
    return m ? findMatch(m, family) : undefined;
  },
  canonProtocol,
};

export const allMatches = MATCHES;
export const allTargets = TARGETS;

/** Parses a dump with every known module. Throws DumpError on bad input. */
export function parse(source: string, opts: ParseOptions = {}): Dump {
  return parseDump(source, resolver, opts);
}
