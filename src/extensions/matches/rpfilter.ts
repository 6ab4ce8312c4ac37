// libxt_rpfilter: reverse-path check (raw/mangle PREROUTING), as firewalld and kube hosts use it.
import type { Extension } from "../types.js";
import * as xl from "../nft-text.js";

export const rpfilter: Extension = {
  name: "rpfilter",
  kind: "match",
  xlate: (call, ctx) => xlateRpfilter(call, ctx),
  options: [
    { name: "--loose", arity: 0 },
    { name: "--validmark", arity: 0 },
    { name: "--accept-local", arity: 0 },
    { name: "--invert", arity: 0 },
  ],
};

const xlateRpfilter: xl.XlateFn = (call) => {
  if (xl.has(call, "--accept-local")) return xl.untranslatable("--accept-local has no nft fib equivalent");
  let key = "fib saddr";
  if (xl.has(call, "--validmark")) key += " . mark";
  if (!xl.has(call, "--loose")) key += " . iif";
  return { nft: `${key} oif ${xl.has(call, "--invert") ? "" : "!= "}0` };
};
