// libxt_comment: a label of up to 255 bytes; matches every packet.
import type { Extension } from "../types.js";
import * as xl from "../nft-text.js";

export const comment: Extension = {
  name: "comment",
  kind: "match",
  xlate: (call, ctx) => xlateComment(call, ctx),
  options: [
    {
      name: "--comment",
      arity: 1,
      quote: true,
      check: (a) => (Buffer.byteLength(a[0]!) > 255 ? "a comment holds at most 255 bytes" : undefined),
    },
  ],
  constraint: () => ({ k: "true" }),
};

const xlateComment: xl.XlateFn = (call, ctx) => {
  for (const o of call.options) ctx.comment(o.args[0]!);
  return { nft: "" };
};
