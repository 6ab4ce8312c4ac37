// libxt_esp: the IPsec ESP SPI (`-p esp`).
import type { Extension } from "../types.js";
import { numRange } from "../values.js";
import * as xl from "../nft-text.js";

export const esp: Extension = {
  name: "esp",
  kind: "match",
  xlate: (call, ctx) => xlateEsp(call, ctx),
  options: [{ name: "--espspi", arity: 1, negatable: true, ...numRange(0xffffffff, "SPI") }],
  normalize: (options) => options.filter((o) => o.neg || o.args[0] !== "0:4294967295"),
};

const xlateEsp: xl.XlateFn = (call, ctx) => {
  const spi = xl.get(call, "--espspi");
  if (spi) return { nft: `esp spi ${xl.neq(spi.neg)}${xl.colonRange(spi.args[0]!)}` };
  return { nft: ctx.family === "ipv4" ? "meta l4proto esp" : "exthdr esp exists" };
};
