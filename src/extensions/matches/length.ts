// libxt_length: the layer-3 packet length (IPv4 total length, IPv6 payload + 40).
import type { Extension } from "../types.js";
import { numRange } from "../values.js";
import * as xl from "../nft-text.js";

export const length: Extension = {
  name: "length",
  kind: "match",
  xlate: (call, ctx) => xlateLength(call, ctx),
  options: [{ name: "--length", arity: 1, negatable: true, ...numRange(65535, "length") }],
  checkCall: (options) => (options.length ? undefined : "needs --length"),
};

const xlateLength: xl.XlateFn = (call) => {
  const o = xl.get(call, "--length")!;
  return { nft: `meta length ${xl.neq(o.neg)}${xl.colonRange(o.args[0]!)}` };
};
