// libxt_connlimit: number of connections per source (or destination) prefix.
// iptables-save always prints the mask and the side, and never a `!`
// (`! --connlimit-upto N` is stored as `--connlimit-above N`).
import type { OptionValue } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { exclusive, getOpt, implied, parseUInt, requireOne, uint } from "../values.js";
import * as xl from "../nft-text.js";

export const connlimit: Extension = {
  name: "connlimit",
  kind: "match",
  xlate: (call, ctx) => xlateConnlimit(call, ctx),
  options: [
    { name: "--connlimit-upto", arity: 1, negatable: true, ...uint() },
    { name: "--connlimit-above", arity: 1, negatable: true, ...uint() },
    {
      name: "--connlimit-mask",
      arity: 1,
      check: (a, f) => (parseUInt(a[0]!, f === "ipv4" ? 32 : 128) === undefined ? `'${a[0]}' is not a prefix length` : undefined),
      canon: (a) => [String(parseUInt(a[0]!))],
    },
    { name: "--connlimit-saddr", arity: 0 },
    { name: "--connlimit-daddr", arity: 0 },
  ],
  checkCall: (options) =>
    requireOne(options, ["--connlimit-upto", "--connlimit-above"]) ??
    exclusive(options, ["--connlimit-upto", "--connlimit-above"]) ??
    exclusive(options, ["--connlimit-saddr", "--connlimit-daddr"]),
  normalize(options, family, span) {
    const out: OptionValue[] = options.map((o) => {
      if (o.name !== "--connlimit-upto" && o.name !== "--connlimit-above") return o;
      const above = (o.name === "--connlimit-above") !== o.neg;
      return { ...o, name: above ? "--connlimit-above" : "--connlimit-upto", neg: false };
    });
    if (!getOpt(out, "--connlimit-mask")) out.push(implied("--connlimit-mask", [family === "ipv4" ? "32" : "128"], span));
    if (!getOpt(out, "--connlimit-saddr") && !getOpt(out, "--connlimit-daddr")) out.push(implied("--connlimit-saddr", [], span));
    return out;
  },
};

const xlateConnlimit: xl.XlateFn = (call, ctx) => {
  const above = xl.get(call, "--connlimit-above");
  const n = (above ?? xl.get(call, "--connlimit-upto"))!.args[0];
  const bits = Number(xl.get(call, "--connlimit-mask")?.args[0] ?? (ctx.family === "ipv4" ? 32 : 128));
  const kw = xl.ipKw(ctx.family);
  const field = `${kw} ${xl.has(call, "--connlimit-daddr") ? "daddr" : "saddr"}`;
  const full = ctx.family === "ipv4" ? 32 : 128;
  const mask = bits === full ? "" : ` and ${xl.formatAddr(((1n << BigInt(full)) - 1n) ^ ((1n << BigInt(full - bits)) - 1n), ctx.family)}`;
  const set = ctx.declareSet({ name: "connlimit", type: ctx.family === "ipv4" ? "ipv4_addr" : "ipv6_addr", flags: ["dynamic"] });
  return { nft: `add @${set} { ${field}${mask} ct count ${above ? "over " : ""}${n} }` };
};
