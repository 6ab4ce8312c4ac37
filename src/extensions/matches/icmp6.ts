// libip6t_icmp6: ICMPv6 type and code. Loaded implicitly by `-p ipv6-icmp`; `-m icmpv6` is an alias.
import type { Extension } from "../types.js";
import { icmpTypeValue, parseIcmpType, type IcmpTable } from "./icmp.js";
import { allOptions } from "../packet.js";
import * as xl from "../nft-text.js";

export const ICMP6_TYPES: IcmpTable = new Map([
  ["destination-unreachable", [1, 0, 0xff]],
  ["no-route", [1, 0, 0]], ["communication-prohibited", [1, 1, 1]], ["beyond-scope", [1, 2, 2]],
  ["address-unreachable", [1, 3, 3]], ["port-unreachable", [1, 4, 4]], ["failed-policy", [1, 5, 5]], ["reject-route", [1, 6, 6]],
  ["packet-too-big", [2, 0, 0xff]],
  ["time-exceeded", [3, 0, 0xff]], ["ttl-exceeded", [3, 0, 0xff]],
  ["ttl-zero-during-transit", [3, 0, 0]], ["ttl-zero-during-reassembly", [3, 1, 1]],
  ["parameter-problem", [4, 0, 0xff]], ["bad-header", [4, 0, 0]], ["unknown-header-type", [4, 1, 1]], ["unknown-option", [4, 2, 2]],
  ["echo-request", [128, 0, 0xff]], ["ping", [128, 0, 0xff]], ["echo-reply", [129, 0, 0xff]], ["pong", [129, 0, 0xff]],
  ["router-solicitation", [133, 0, 0xff]], ["router-advertisement", [134, 0, 0xff]],
  ["neighbour-solicitation", [135, 0, 0xff]], ["neighbor-solicitation", [135, 0, 0xff]],
  ["neighbour-advertisement", [136, 0, 0xff]], ["neighbor-advertisement", [136, 0, 0xff]],
  ["redirect", [137, 0, 0xff]],
]);

export const icmp6: Extension = {
  name: "icmp6",
  kind: "match",
  xlate: (call, ctx) => xlateIcmp6(call, ctx),
  family: "ipv6",
  options: [{ name: "--icmpv6-type", arity: 1, negatable: true, ...icmpTypeValue(ICMP6_TYPES, false) }],
  constraint: (call) =>
    allOptions(call.options, (_n, a) => {
      const [type, lo, hi] = parseIcmpType(a[0]!, ICMP6_TYPES)!;
      return { k: "num", field: "icmp", ranges: [[type * 256 + lo, type * 256 + hi]] };
    }),
};

const ICMP6_NFT = new Map([
  [1, "destination-unreachable"], [2, "packet-too-big"], [3, "time-exceeded"], [4, "parameter-problem"],
  [128, "echo-request"], [129, "echo-reply"], [130, "mld-listener-query"], [131, "mld-listener-report"],
  [132, "mld-listener-done"], [133, "nd-router-solicit"], [134, "nd-router-advert"], [135, "nd-neighbor-solicit"],
  [136, "nd-neighbor-advert"], [137, "nd-redirect"], [138, "router-renumbering"], [141, "ind-neighbor-solicit"],
  [142, "ind-neighbor-advert"], [143, "mld2-listener-report"],
]);

const xlateIcmp6: xl.XlateFn = (call) => {
  const o = xl.get(call, "--icmpv6-type")!;
  const [t, c] = o.args[0]!.split("/");
  const type = ICMP6_NFT.get(Number(t)) ?? t;
  if (c === undefined) return { nft: `icmpv6 type ${xl.neq(o.neg)}${type}` };
  return { nft: o.neg ? `icmpv6 type . icmpv6 code != { ${t} . ${c} }` : `icmpv6 type ${type} icmpv6 code ${c}` };
};
