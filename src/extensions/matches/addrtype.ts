// libxt_addrtype: the routing type of the source or destination address (LOCAL, UNICAST, ...).
import type { Extension } from "../types.js";
import { flagList } from "../values.js";

export const ADDR_TYPES = [
  "UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE",
] as const;
const types = flagList(ADDR_TYPES, "address type");

export const addrtype: Extension = {
  name: "addrtype",
  kind: "match",
  options: [
    { name: "--src-type", arity: 1, negatable: true, ...types },
    { name: "--dst-type", arity: 1, negatable: true, ...types },
    { name: "--limit-iface-in", arity: 0 },
    { name: "--limit-iface-out", arity: 0 },
  ],
};
