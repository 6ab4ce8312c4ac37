// libxt_connbytes: bytes or packets the connection has carried so far.
import type { Extension } from "../types.js";
import { oneOf } from "../values.js";
import * as xl from "../nft-text.js";

export const connbytes: Extension = {
  name: "connbytes",
  kind: "match",
  xlate: (call, ctx) => xlateConnbytes(call, ctx),
  options: [
    {
      name: "--connbytes",
      arity: 1,
      negatable: true,
      check: (a) => (/^\d+(:\d*)?$/.test(a[0]!) ? undefined : `'${a[0]}' is not FROM[:TO]`),
    },
    { name: "--connbytes-mode", arity: 1, ...oneOf(new Map([["packets", "packets"], ["bytes", "bytes"], ["avgpkt", "avgpkt"]]), "connbytes mode") },
    { name: "--connbytes-dir", arity: 1, ...oneOf(new Map([["original", "original"], ["reply", "reply"], ["both", "both"]]), "connbytes direction") },
  ],
  checkCall: (options) =>
    ["--connbytes", "--connbytes-mode", "--connbytes-dir"].every((n) => options.some((o) => o.name === n))
      ? undefined
      : "needs --connbytes, --connbytes-mode and --connbytes-dir",
};

const xlateConnbytes: xl.XlateFn = (call) => {
  const o = xl.get(call, "--connbytes")!;
  const mode = xl.get(call, "--connbytes-mode")!.args[0]!;
  const dir = xl.get(call, "--connbytes-dir")!.args[0]!;
  const key = `ct ${dir === "both" ? "" : `${dir} `}${mode}`;
  const [lo, hi] = o.args[0]!.split(":");
  if (hi === undefined || hi === "") return { nft: `${key} ${o.neg ? "lt" : "ge"} ${lo}` };
  return { nft: `${key} ${xl.neq(o.neg)}${xl.nftRange(lo!, hi)}` };
};
