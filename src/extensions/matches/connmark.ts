// libxt_connmark: the connection's mark, `VALUE[/MASK]`, printed in hex.
import type { Extension } from "../types.js";
import { markMask } from "../values.js";
import { parseMarkMask } from "../values.js";
import { allOptions, markConstraint } from "../packet.js";
import * as xl from "../nft-text.js";

export const connmark: Extension = {
  name: "connmark",
  kind: "match",
  xlate: (call, ctx) => xlateConnmark(call, ctx),
  options: [{ name: "--mark", arity: 1, negatable: true, ...markMask }],
  checkCall: (options) => (options.length ? undefined : "needs --mark"),
  constraint: (call) => allOptions(call.options, (_n, a) => markConstraint("ctmark", parseMarkMask(a[0]!)!)),
};

const xlateConnmark: xl.XlateFn = (call) => {
  const o = xl.get(call, "--mark")!;
  const [v, mk] = o.args[0]!.split("/");
  return { nft: xl.maskedValue("ct mark", Number(v), mk === undefined ? 0xffffffff : Number(mk), o.neg) };
};
