// libxt_helper: the conntrack helper (ftp, sip, ...) assigned to the connection.
import type { Extension } from "../types.js";
import { text } from "../values.js";
import * as xl from "../nft-text.js";

export const helper: Extension = {
  name: "helper",
  kind: "match",
  xlate: (call, ctx) => xlateHelper(call, ctx),
  options: [{ name: "--helper", arity: 1, negatable: true, quote: true, ...text(29) }],
};

const xlateHelper: xl.XlateFn = (call) => {
  const o = xl.get(call, "--helper")!;
  const q = xl.nftQuote(o.args[0]!);
  return q ? { nft: `ct helper ${xl.neq(o.neg)}${q}` } : xl.untranslatable("the helper name holds a '\"'");
};
