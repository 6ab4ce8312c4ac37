// Protocol names for `-p`, as iptables resolves them. iptables-save prints the
// name getprotobynumber() gives, so the table follows netbase's /etc/protocols
// (Debian/Ubuntu/Fedora agree on these names).
import type { Family } from "../syntax/ast.js";

/** number -> the name iptables-save prints */
export const PROTO_NAMES: ReadonlyMap<number, string> = new Map([
  [1, "icmp"], [2, "igmp"], [3, "ggp"], [4, "ipencap"], [5, "st"], [6, "tcp"], [8, "egp"], [9, "igp"], [12, "pup"],
  [17, "udp"], [20, "hmp"], [22, "xns-idp"], [27, "rdp"], [29, "iso-tp4"], [33, "dccp"], [36, "xtp"], [37, "ddp"],
  [38, "idpr-cmtp"], [41, "ipv6"], [43, "ipv6-route"], [44, "ipv6-frag"], [45, "idrp"], [46, "rsvp"], [47, "gre"],
  [50, "esp"], [51, "ah"], [57, "skip"], [58, "ipv6-icmp"], [59, "ipv6-nonxt"], [60, "ipv6-opts"], [73, "rspf"],
  [81, "vmtp"], [88, "eigrp"], [89, "ospf"], [93, "ax.25"], [94, "ipip"], [97, "etherip"], [98, "encap"], [103, "pim"],
  [108, "ipcomp"], [112, "vrrp"], [115, "l2tp"], [124, "isis"], [132, "sctp"], [133, "fc"], [135, "mobility-header"],
  [136, "udplite"], [137, "mpls-in-ip"], [138, "manet"], [139, "hip"], [140, "shim6"], [141, "wesp"], [142, "rohc"],
  [143, "ethernet"],
]);

/**
 * Other accepted spellings: iptables' own short names (xtables_chain_protos) and
 * the /etc/protocols aliases (matched case-insensitively, as iptables does).
 */
const ALIASES: ReadonlyMap<string, number> = new Map([
  ["icmpv6", 58], ["icmp6", 58], ["mh", 135], ["ipv6-mh", 135], ["ospfigp", 89], ["ip-encap", 4],
  ["ipsec-esp", 50], ["ipsec-ah", 51], ["hopopt", 0], ["ip", 0],
]);

const BY_NAME: ReadonlyMap<string, number> = new Map([...PROTO_NAMES].map(([n, p]) => [p, n]));

export function protoNumber(name: string): number | undefined {
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    return n <= 255 ? n : undefined;
  }
  const lower = name.toLowerCase();
  return ALIASES.get(lower) ?? BY_NAME.get(lower);
}

/** The name iptables-save prints for protocol number `n` (the number itself when it has no name). */
export function protoName(n: number): string {
  return n === 0 ? "all" : (PROTO_NAMES.get(n) ?? String(n));
}

/**
 * Protocols whose header starts with the source and destination ports (tcp,
 * udp, dccp, sctp, udplite): what multiport, NAT port rewrites, nft's `th`
 * ports and ipset's port lookups need, and what the engine reads ports of.
 */
export const PORT_PROTO_NUMBERS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);
export const PORT_PROTO_NAMES: ReadonlySet<string> = new Set([...PORT_PROTO_NUMBERS].map(protoName));

/** The rule's `-p` names a port protocol and is not negated. */
export function hasPortProto(rule: { proto?: { neg: boolean; value: string } }): boolean {
  const p = rule.proto;
  return !!p && !p.neg && PORT_PROTO_NAMES.has(p.value);
}

export function canonProtocol(text: string, _family: Family): string | { error: string } {
  if (text.toLowerCase() === "all") return "all";
  const n = protoNumber(text);
  if (n === undefined) return { error: `unknown protocol '${text}'` };
  return protoName(n);
}
