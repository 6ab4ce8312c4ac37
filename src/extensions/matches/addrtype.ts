// libxt_addrtype: the routing type of the source or destination address (LOCAL, UNICAST, ...).
import type { Extension } from "../types.js";
import { flagList } from "../values.js";
import { and, not, type AddrType, type Constraint } from "../packet.js";
import * as xl from "../nft-text.js";

export const ADDR_TYPES = [
  "UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE",
] as const;
const types = flagList(ADDR_TYPES, "address type");

export const addrtype: Extension = {
  name: "addrtype",
  kind: "match",
  xlate: (call, ctx) => xlateAddrtype(call, ctx),
  options: [
    { name: "--src-type", arity: 1, negatable: true, ...types },
    { name: "--dst-type", arity: 1, negatable: true, ...types },
    { name: "--limit-iface-in", arity: 0 },
    { name: "--limit-iface-out", arity: 0 },
  ],
  constraint: (call) => {
    const limit = call.options.some((o) => o.name === "--limit-iface-in") ? "in" : call.options.some((o) => o.name === "--limit-iface-out") ? "out" : undefined;
    const parts: Constraint[] = [];
    for (const o of call.options) {
      if (o.name !== "--src-type" && o.name !== "--dst-type") continue;
      const types = o.args[0]!.split(",").map((t) => t.toUpperCase() as AddrType);
      parts.push(not({ k: "addrtype", side: o.name === "--src-type" ? "src" : "dst", types, ...(limit ? { limitIface: limit } : {}) }, o.neg));
    }
    return and(...parts);
  },
};

/** nft's fib address types; THROW, NAT and XRESOLVE have no nft name. */
const FIB_TYPES = new Set(["UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT"]);

const xlateAddrtype: xl.XlateFn = (call) => {
  const iface = xl.has(call, "--limit-iface-in") ? " . iif" : xl.has(call, "--limit-iface-out") ? " . oif" : "";
  const parts: string[] = [];
  for (const [opt, key] of [["--src-type", "saddr"], ["--dst-type", "daddr"]] as const) {
    const o = xl.get(call, opt);
    if (!o) continue;
    const types = o.args[0]!.split(",");
    const bad = types.find((t) => !FIB_TYPES.has(t));
    if (bad) return xl.untranslatable(`addrtype ${bad} has no nft fib type`);
    const names = types.map((t) => t.toLowerCase());
    parts.push(`fib ${key}${iface} type ${xl.neq(o.neg)}${names.length === 1 ? names[0] : `{ ${names.join(", ")} }`}`);
  }
  return xl.join(parts);
};
