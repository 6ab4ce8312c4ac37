// libipt_TTL: set, decrement or increment the IPv4 TTL (mangle). ip6tables' HL
// target does the same to the hop limit, so both come from one factory.
import type { Family } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { exclusive, requireOne, uint } from "../values.js";

export function hopCountTarget(name: string, prefix: string, family: Family): Extension {
  const names = [`--${prefix}-set`, `--${prefix}-dec`, `--${prefix}-inc`];
  return {
    name,
    kind: "target",
    family,
    options: names.map((n) => ({ name: n, arity: 1, ...uint(255) })),
    checkCall: (options) => requireOne(options, names) ?? exclusive(options, names),
  };
}

export const TTL: Extension = hopCountTarget("TTL", "ttl", "ipv4");
