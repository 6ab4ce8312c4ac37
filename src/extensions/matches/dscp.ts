// libxt_dscp: the DiffServ code point; a class name is stored (and printed) as its number.
import type { Extension } from "../types.js";
import { exclusive, parseUInt, requireOne, withOpt, type ValueType } from "../values.js";
import * as xl from "../nft-text.js";

export const DSCP_CLASSES: ReadonlyMap<string, number> = new Map([
  ["cs0", 0], ["cs1", 8], ["cs2", 16], ["cs3", 24], ["cs4", 32], ["cs5", 40], ["cs6", 48], ["cs7", 56], ["be", 0],
  ["af11", 10], ["af12", 12], ["af13", 14], ["af21", 18], ["af22", 20], ["af23", 22],
  ["af31", 26], ["af32", 28], ["af33", 30], ["af41", 34], ["af42", 36], ["af43", 38], ["ef", 46],
]);

export const dscpHex = (n: number) => `0x${n.toString(16).padStart(2, "0")}`;

export const dscpValue: ValueType = {
  check: (a) => (parseUInt(a[0]!, 63) === undefined ? `'${a[0]}' is not a DSCP value (0-63)` : undefined),
  canon: (a) => [dscpHex(parseUInt(a[0]!, 63)!)],
};

export const dscpClass: ValueType = {
  check: (a) => (DSCP_CLASSES.has(a[0]!.toLowerCase()) ? undefined : `'${a[0]}' is not a DSCP class (CS0-CS7, AF11-AF43, EF, BE)`),
  canon: (a) => [dscpHex(DSCP_CLASSES.get(a[0]!.toLowerCase())!)],
};

export const dscp: Extension = {
  name: "dscp",
  kind: "match",
  xlate: (call, ctx) => xlateDscp(call, ctx),
  options: [
    { name: "--dscp", arity: 1, negatable: true, ...dscpValue },
    { name: "--dscp-class", arity: 1, negatable: true, ...dscpClass },
  ],
  checkCall: (options) => requireOne(options, ["--dscp", "--dscp-class"]) ?? exclusive(options, ["--dscp", "--dscp-class"]),
  normalize(options, _f, span) {
    const cls = options.find((o) => o.name === "--dscp-class");
    return cls ? withOpt(options, "--dscp", cls.args, span, cls.neg, cls) : options;
  },
};

const xlateDscp: xl.XlateFn = (call, ctx) => {
  const o = xl.get(call, "--dscp")!;
  return { nft: `${xl.ipKw(ctx.family)} dscp ${xl.neq(o.neg)}${o.args[0]}` };
};
