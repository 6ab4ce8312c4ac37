// libxt_conntrack: connection tracking state, status and the original/reply tuple.
import type { Extension } from "../types.js";
import { addrCheck, canonCidr, flagList, portRange } from "../values.js";

export const CT_STATES = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT"] as const;
export const CT_STATUS = ["NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"] as const;
const cidr = { check: addrCheck, canon: (a: string[], f: "ipv4" | "ipv6") => [canonCidr(a[0]!, f)] };

export const conntrack: Extension = {
  name: "conntrack",
  kind: "match",
  options: [
    { name: "--ctstate", arity: 1, negatable: true, ...flagList(CT_STATES, "conntrack state") },
    { name: "--ctproto", arity: 1, negatable: true },
    { name: "--ctorigsrc", arity: 1, negatable: true, ...cidr },
    { name: "--ctorigdst", arity: 1, negatable: true, ...cidr },
    { name: "--ctreplsrc", arity: 1, negatable: true, ...cidr },
    { name: "--ctrepldst", arity: 1, negatable: true, ...cidr },
    { name: "--ctorigsrcport", arity: 1, negatable: true, ...portRange },
    { name: "--ctorigdstport", arity: 1, negatable: true, ...portRange },
    { name: "--ctreplsrcport", arity: 1, negatable: true, ...portRange },
    { name: "--ctrepldstport", arity: 1, negatable: true, ...portRange },
    { name: "--ctstatus", arity: 1, negatable: true, ...flagList(CT_STATUS, "conntrack status") },
    { name: "--ctexpire", arity: 1, negatable: true, check: (a) => (/^\d+(:\d+)?$/.test(a[0]!) ? undefined : `'${a[0]}' is not SECONDS[:SECONDS]`) },
    {
      name: "--ctdir",
      arity: 1,
      check: (a) => (/^(ORIGINAL|REPLY)$/i.test(a[0]!) ? undefined : `'${a[0]}' is not ORIGINAL or REPLY`),
      canon: (a) => [a[0]!.toUpperCase()],
    },
  ],
};
