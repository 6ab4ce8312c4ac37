// libxt_ecn: the ECN bits of the IP header and the TCP ECE/CWR flags.
import type { Extension } from "../types.js";
import { uint } from "../values.js";
import * as xl from "../nft-text.js";

export const ecn: Extension = {
  name: "ecn",
  kind: "match",
  xlate: (call, ctx) => xlateEcn(call, ctx),
  options: [
    { name: "--ecn-tcp-cwr", arity: 0, negatable: true },
    { name: "--ecn-tcp-ece", arity: 0, negatable: true },
    { name: "--ecn-ip-ect", arity: 1, negatable: true, ...uint(3) },
  ],
  checkCall: (options) => (options.length ? undefined : "needs --ecn-tcp-cwr, --ecn-tcp-ece or --ecn-ip-ect"),
};

const ECT_NAMES = ["not-ect", "ect1", "ect0", "ce"];

const xlateEcn: xl.XlateFn = (call, ctx) => {
  const parts: string[] = [];
  for (const o of call.options) {
    // a flag test: `tcp flags ! cwr` is "bit clear" (`!= cwr` would compare all eight flags)
    if (o.name === "--ecn-tcp-cwr") parts.push(`tcp flags ${o.neg ? "! " : ""}cwr`);
    else if (o.name === "--ecn-tcp-ece") parts.push(`tcp flags ${o.neg ? "! " : ""}ecn`);
    else parts.push(`${xl.ipKw(ctx.family)} ecn ${xl.neq(o.neg)}${ECT_NAMES[Number(o.args[0])]}`);
  }
  return xl.join(parts);
};
