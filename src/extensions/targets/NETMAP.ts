// libxt_NETMAP: map a whole prefix onto another, host part kept.
import type { Extension } from "../types.js";
import { addrCheck, canonCidr } from "../values.js";
import * as xl from "../nft-text.js";

export const NETMAP: Extension = {
  name: "NETMAP",
  kind: "target",
  xlate: (call, ctx) => xlateNetmap(call, ctx),
  options: [{ name: "--to", arity: 1, check: addrCheck, canon: (a, f) => [canonCidr(a[0]!, f)] }],
  checkCall: (options) => (options.length ? undefined : "needs --to ADDRESS/PREFIX"),
};

const xlateNetmap: xl.XlateFn = () => xl.untranslatable("NETMAP needs nft 1.0.7 prefix mapping; dockwall targets nft 1.0.6");
