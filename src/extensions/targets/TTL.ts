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
    xlate: (call) => {
      const set = call.options.find((o) => o.name === `--${prefix}-set`);
      if (!set) return { untranslatable: `nft can only set the ${family === "ipv4" ? "TTL" : "hop limit"}, not add to or subtract from it` };
      return { nft: `${family === "ipv4" ? "ip ttl" : "ip6 hoplimit"} set ${set.args[0]}` };
    },
  };
}

export const TTL: Extension = hopCountTarget("TTL", "ttl", "ipv4");
