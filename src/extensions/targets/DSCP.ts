// libxt_DSCP: set the DiffServ code point (a class name is stored as its number).
import type { Extension } from "../types.js";
import { exclusive, requireOne, withOpt } from "../values.js";
import { dscpClass, dscpValue } from "../matches/dscp.js";
import * as xl from "../nft-text.js";

export const DSCP: Extension = {
  name: "DSCP",
  kind: "target",
  xlate: (call, ctx) => xlateDscpTarget(call, ctx),
  options: [
    { name: "--set-dscp", arity: 1, ...dscpValue },
    { name: "--set-dscp-class", arity: 1, ...dscpClass },
  ],
  checkCall: (options) => requireOne(options, ["--set-dscp", "--set-dscp-class"]) ?? exclusive(options, ["--set-dscp", "--set-dscp-class"]),
  normalize(options, _f, span) {
    const cls = options.find((o) => o.name === "--set-dscp-class");
    return cls ? withOpt(options, "--set-dscp", cls.args, span, false, cls) : options;
  },
};

const xlateDscpTarget: xl.XlateFn = (call, ctx) => ({ nft: `${xl.ipKw(ctx.family)} dscp set ${xl.get(call, "--set-dscp")!.args[0]}` });
