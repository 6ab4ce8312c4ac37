// libxt_devgroup: the device group of the input or output interface.
import type { Extension } from "../types.js";
import { markMask } from "../values.js";
import * as xl from "../nft-text.js";

export const devgroup: Extension = {
  name: "devgroup",
  kind: "match",
  xlate: (call, ctx) => xlateDevgroup(call, ctx),
  options: [
    { name: "--src-group", arity: 1, negatable: true, ...markMask },
    { name: "--dst-group", arity: 1, negatable: true, ...markMask },
  ],
};

const xlateDevgroup: xl.XlateFn = (call) => {
  const parts: string[] = [];
  for (const [opt, key] of [["--src-group", "iifgroup"], ["--dst-group", "oifgroup"]] as const) {
    const o = xl.get(call, opt);
    if (!o) continue;
    const [v, mk] = o.args[0]!.split("/");
    parts.push(xl.maskedValue(key, Number(v), mk === undefined ? 0xffffffff : Number(mk), o.neg));
  }
  return xl.join(parts);
};
