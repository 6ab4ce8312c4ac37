// Protocol names for `-p`, as iptables resolves them (xtables_chain_protos and /etc/protocols).
import type { Family } from "../syntax/ast.js";

/** number -> the name iptables-save prints */
export const PROTO_NAMES: ReadonlyMap<number, string> = new Map([
  [1, "icmp"], [2, "igmp"], [4, "ipencap"], [6, "tcp"], [17, "udp"], [33, "dccp"], [41, "ipv6"], [43, "ipv6-route"],
  [44, "ipv6-frag"], [47, "gre"], [50, "esp"], [51, "ah"], [58, "ipv6-icmp"], [59, "ipv6-nonxt"], [60, "ipv6-opts"],
  [88, "eigrp"], [89, "ospf"], [94, "ipip"], [103, "pim"], [112, "vrrp"], [115, "l2tp"], [132, "sctp"], [135, "mobility-header"],
  [136, "udplite"],
]);

const ALIASES: ReadonlyMap<string, number> = new Map([
  ["icmpv6", 58], ["ipv6-icmp", 58], ["icmp6", 58], ["ipip", 94], ["mh", 135], ["ipv6-mh", 135], ["ospfigp", 89], ["ipv4", 4],
]);

export function protoNumber(name: string): number | undefined {
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    return n <= 255 ? n : undefined;
  }
  const lower = name.toLowerCase();
  const alias = ALIASES.get(lower);
  if (alias !== undefined) return alias;
  for (const [n, p] of PROTO_NAMES) if (p === lower) return n;
  return undefined;
}

export function canonProtocol(text: string, _family: Family): string | { error: string } {
  const lower = text.toLowerCase();
  if (lower === "all" || lower === "0") return "all";
  const n = protoNumber(text);
  if (n === undefined) return { error: `unknown protocol '${text}'` };
  return PROTO_NAMES.get(n) ?? String(n);
}
