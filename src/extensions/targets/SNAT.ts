// libxt_SNAT: rewrite the source of a connection's first packet (nat POSTROUTING/INPUT).
import type { Extension } from "../types.js";
import { natRange } from "./nat-range.js";
import { natEffect } from "./nat-range.js";
import * as xl from "../nft-text.js";
import * as nat from "./nat-xlate.js";

export const SNAT: Extension = {
  name: "SNAT",
  kind: "target",
  xlate: (call, ctx) => xlateSnat(call, ctx),
  options: [
    { name: "--to-source", aliases: ["--to"], arity: 1, ...natRange },
    { name: "--random", arity: 0 },
    { name: "--random-fully", arity: 0 },
    { name: "--persistent", arity: 0 },
  ],
  checkCall: (options) => (options.some((o) => o.name === "--to-source") ? undefined : "needs --to-source"),
  effect: (call, family) => natEffect("SNAT", call.options, family),
};

const xlateSnat: xl.XlateFn = (call, ctx) => nat.xlateNatTo("snat", "--to-source", call, ctx);
