// libxt_mark: the packet's fwmark, `VALUE[/MASK]`, printed in hex.
import type { Extension } from "../types.js";
import { markMask } from "../values.js";
import { parseMarkMask } from "../values.js";
import { allOptions, markConstraint } from "../packet.js";
import * as xl from "../nft-text.js";

export const mark: Extension = {
  name: "mark",
  kind: "match",
  xlate: (call, ctx) => xlateMark(call, ctx),
  options: [{ name: "--mark", arity: 1, negatable: true, ...markMask }],
  checkCall: (options) => (options.length ? undefined : "needs --mark"),
  constraint: (call) => allOptions(call.options, (_n, a) => markConstraint("mark", parseMarkMask(a[0]!)!)),
};

const xlateMark: xl.XlateFn = (call) => {
  const o = xl.get(call, "--mark")!;
  const [v, mk] = o.args[0]!.split("/");
  return { nft: xl.maskedValue("mark", Number(v), mk === undefined ? 0xffffffff : Number(mk), o.neg) };
};
