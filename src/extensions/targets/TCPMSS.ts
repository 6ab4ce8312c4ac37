// libxt_TCPMSS: rewrite the MSS option of SYN packets (mangle FORWARD on routers and VPNs).
import type { Extension } from "../types.js";
import { exclusive, requireOne, uint } from "../values.js";
import * as xl from "../nft-text.js";

const NAMES = ["--set-mss", "--clamp-mss-to-pmtu"];

export const TCPMSS: Extension = {
  name: "TCPMSS",
  kind: "target",
  xlate: (call, ctx) => xlateTcpmssTarget(call, ctx),
  options: [
    { name: "--set-mss", arity: 1, ...uint(65535) },
    { name: "--clamp-mss-to-pmtu", arity: 0 },
  ],
  checkCall: (options) => requireOne(options, NAMES) ?? exclusive(options, NAMES),
};

const xlateTcpmssTarget: xl.XlateFn = (call) => {
  const set = xl.get(call, "--set-mss");
  return {
    nft: `tcp option maxseg size set ${set ? set.args[0] : "rt mtu"}`,
    lossy: "TCPMSS never raises an MSS and adds the option when a SYN has none; nft's statement does neither",
  };
};
