// libxt_set: membership in an ipset (`--match-set NAME src,dst`). The set itself
// lives outside the dump, so what it holds is unknown offline.
import type { Extension } from "../types.js";
import { uint, type ValueType } from "../values.js";
import * as xl from "../nft-text.js";

const setFlags = (a: string[]) => {
  const f = a[1]!.split(",");
  if (f.length > 6) return "a set is matched on at most 6 dimensions";
  for (const w of f) if (w !== "src" && w !== "dst") return `'${w}' must be src or dst`;
  return undefined;
};

const counter: ValueType = uint(0xffffffffffff);

export const set: Extension = {
  name: "set",
  kind: "match",
  xlate: (call, ctx) => xlateSet(call, ctx),
  options: [
    {
      name: "--match-set",
      aliases: ["--set"],
      arity: 2,
      negatable: true,
      check: (a) => (a[0]!.length === 0 || a[0]!.length > 31 ? "a set name has 1 to 31 characters" : setFlags(a)),
    },
    { name: "--return-nomatch", arity: 0 },
    { name: "--update-counters", arity: 0, negatable: true },
    { name: "--update-subcounters", arity: 0, negatable: true },
    { name: "--packets-eq", arity: 1, negatable: true, ...counter },
    { name: "--packets-lt", arity: 1, ...counter },
    { name: "--packets-gt", arity: 1, ...counter },
    { name: "--bytes-eq", arity: 1, negatable: true, ...counter },
    { name: "--bytes-lt", arity: 1, ...counter },
    { name: "--bytes-gt", arity: 1, ...counter },
  ],
  checkCall: (options) => (options.some((o) => o.name === "--match-set") ? undefined : "needs --match-set NAME FLAGS"),
  constraint: () => ({ k: "undecided", module: "set" }),
};

const xlateSet: xl.XlateFn = (call, ctx) => {
  const other = call.options.find((o) => o.name !== "--match-set");
  if (other) return xl.untranslatable(`set ${other.name} has no nft translation`);
  const parts: string[] = [];
  for (const o of call.options) {
    const [name, dirs] = o.args as [string, string];
    const kw = xl.ipKw(ctx.family);
    const dims = dirs.split(",");
    const key = dims.map((d) => `${kw} ${d === "src" ? "saddr" : "daddr"}`).join(" . ");
    const type = dims.map(() => (ctx.family === "ipv4" ? "ipv4_addr" : "ipv6_addr")).join(" . ");
    const set = ctx.declareSet({
      name,
      type,
      flags: ["interval"],
      shared: true,
      comment: `ipset ${name}: fill from the host (ipset list ${name}); type assumed from use: ${dims.length === 1 ? "addresses" : "address tuples"}`,
    });
    parts.push(`${key} ${xl.neq(o.neg)}@${set}`);
  }
  return xl.join(parts);
};
