// libxt_DNAT: rewrite the destination of a connection's first packet (nat PREROUTING/OUTPUT).
import type { Extension } from "../types.js";
import { natRange } from "./nat-range.js";
import { natEffect } from "./nat-range.js";
import * as xl from "../nft-text.js";
import * as nat from "./nat-xlate.js";

export const DNAT: Extension = {
  name: "DNAT",
  kind: "target",
  xlate: (call, ctx) => xlateDnat(call, ctx),
  options: [
    { name: "--to-destination", aliases: ["--to"], arity: 1, ...natRange },
    { name: "--random", arity: 0 },
    { name: "--persistent", arity: 0 },
  ],
  checkCall: (options) => (options.some((o) => o.name === "--to-destination") ? undefined : "needs --to-destination"),
  effect: (call, family) => natEffect("DNAT", call.options, family),
};

const xlateDnat: xl.XlateFn = (call, ctx) => nat.xlateNatTo("dnat", "--to-destination", call, ctx);
