// libxt_comment: a label of up to 255 bytes; matches every packet.
import type { Extension } from "../types.js";

export const comment: Extension = {
  name: "comment",
  kind: "match",
  options: [
    {
      name: "--comment",
      arity: 1,
      quote: true,
      check: (a) => (Buffer.byteLength(a[0]!) > 255 ? "a comment holds at most 255 bytes" : undefined),
    },
  ],
};
