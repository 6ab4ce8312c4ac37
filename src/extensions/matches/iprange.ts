// libxt_iprange: an inclusive address range, printed as `FROM-TO` (a single address as `A-A`).
import type { Family } from "../../syntax/ast.js";
import { formatAddr, parseAddr } from "../../syntax/inet.js";
import type { Extension } from "../types.js";
import type { ValueType } from "../values.js";
import { allOptions } from "../packet.js";
import * as xl from "../nft-text.js";

export function parseAddrRange(text: string, family: Family): [bigint, bigint] | string {
  const [a, b, extra] = text.split("-");
  if (extra !== undefined) return `'${text}' is not FROM-TO`;
  const lo = parseAddr(a!, family);
  const hi = b === undefined ? lo : parseAddr(b, family);
  if (lo === undefined || hi === undefined) return `'${text}' is not an address range (FROM-TO)`;
  if (lo > hi) return `address range '${text}' is reversed`;
  return [lo, hi];
}

const range: ValueType = {
  check: (a, f) => {
    const r = parseAddrRange(a[0]!, f);
    return typeof r === "string" ? r : undefined;
  },
  canon: (a, f) => {
    const [lo, hi] = parseAddrRange(a[0]!, f) as [bigint, bigint];
    return [`${formatAddr(lo, f)}-${formatAddr(hi, f)}`];
  },
};

export const iprange: Extension = {
  name: "iprange",
  kind: "match",
  xlate: (call, ctx) => xlateIprange(call, ctx),
  options: [
    { name: "--src-range", arity: 1, negatable: true, ...range },
    { name: "--dst-range", arity: 1, negatable: true, ...range },
  ],
  checkCall: (options) => (options.length ? undefined : "needs --src-range or --dst-range"),
  constraint: (call, family) =>
    allOptions(call.options, (name, a) => ({ k: "addr", field: name === "--src-range" ? "src" : "dst", ranges: [parseAddrRange(a[0]!, family) as [bigint, bigint]] })),
};

const xlateIprange: xl.XlateFn = (call, ctx) => {
  const parts: string[] = [];
  for (const [opt, key] of [["--src-range", "saddr"], ["--dst-range", "daddr"]] as const) {
    const o = xl.get(call, opt);
    if (o) parts.push(`${xl.ipKw(ctx.family)} ${key} ${xl.neq(o.neg)}${o.args[0]}`);
  }
  return xl.join(parts);
};
