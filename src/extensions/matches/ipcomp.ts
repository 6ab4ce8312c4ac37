// libxt_ipcomp: the IPComp CPI (RFC 3173).
import type { Extension } from "../types.js";
import { numRange } from "../values.js";
import * as xl from "../nft-text.js";

export const ipcomp: Extension = {
  name: "ipcomp",
  kind: "match",
  xlate: (call) => xlateIpcomp(call),
  options: [
    { name: "--ipcompspi", arity: 1, negatable: true, ...numRange(0xffffffff, "CPI") },
    { name: "--compres", arity: 0 },
  ],
};

function xlateIpcomp(call: Parameters<xl.XlateFn>[0]): xl.XlateResult {
  if (xl.has(call, "--compres")) return xl.untranslatable("--compres has no nft equivalent");
  const o = xl.get(call, "--ipcompspi");
  return o ? { nft: `comp cpi ${xl.neq(o.neg)}${xl.colonRange(o.args[0]!)}` } : { nft: "meta l4proto comp" };
}
