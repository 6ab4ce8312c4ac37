// libipt_ttl: the IPv4 time-to-live (only --ttl-eq can be negated). ip6tables'
// hl match is the same test on the hop limit, so both come from one factory.
import type { Family } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { exclusive, requireOne, uint } from "../values.js";
import * as xl from "../nft-text.js";

export function hopCountMatch(name: string, prefix: string, family: Family): Extension {
  const names = [`--${prefix}-eq`, `--${prefix}-lt`, `--${prefix}-gt`];
  return {
    name,
    kind: "match",
    family,
    options: names.map((n, i) => ({ name: n, arity: 1, negatable: i === 0, ...uint(255) })),
    checkCall: (options) => requireOne(options, names) ?? exclusive(options, names),
    xlate: (call) => xl.join(xl.cmpTests(family === "ipv4" ? "ip ttl" : "ip6 hoplimit", call, prefix)),
  };
}

export const ttl: Extension = hopCountMatch("ttl", "ttl", "ipv4");
