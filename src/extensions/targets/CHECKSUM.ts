// libxt_CHECKSUM: fill in a missing checksum (mangle; Docker adds it for published SCTP ports).
import type { Extension } from "../types.js";
import * as xl from "../nft-text.js";

export const CHECKSUM: Extension = {
  name: "CHECKSUM",
  kind: "target",
  xlate: (call, ctx) => xlateChecksum(call, ctx),
  options: [{ name: "--checksum-fill", arity: 0 }],
  checkCall: (options) => (options.length ? undefined : "needs --checksum-fill"),
};

const xlateChecksum: xl.XlateFn = () => xl.untranslatable("nft has no checksum-fill statement");
