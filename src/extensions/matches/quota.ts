// libxt_quota: matches until a byte quota is used up.
import type { Extension } from "../types.js";
import { uint } from "../values.js";
import * as xl from "../nft-text.js";

export const quota: Extension = {
  name: "quota",
  kind: "match",
  xlate: (call, ctx) => xlateQuota(call, ctx),
  options: [{ name: "--quota", arity: 1, negatable: true, ...uint(Number.MAX_SAFE_INTEGER) }],
};

const xlateQuota: xl.XlateFn = (call) => {
  const o = xl.get(call, "--quota")!;
  return { nft: `quota ${o.neg ? "over " : ""}${o.args[0]} bytes` };
};
