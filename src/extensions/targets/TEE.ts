// libxt_TEE: send a copy of the packet to a gateway (mangle).
import type { Extension } from "../types.js";
import { ifaceName, plainAddr } from "../values.js";

export const TEE: Extension = {
  name: "TEE",
  kind: "target",
  xlate: (call, ctx) => {
    const gw = call.options.find((o) => o.name === "--gateway")!.args[0];
    const oif = call.options.find((o) => o.name === "--oif")?.args[0];
    if (oif?.includes('"')) return { untranslatable: "the interface name holds a '\"'" };
    return { nft: `dup ${ctx.nftFamily === "inet" ? `${ctx.family === "ipv4" ? "ip" : "ip6"} ` : ""}to ${gw}${oif ? ` device ${oif}` : ""}` };
  },
  options: [
    { name: "--gateway", arity: 1, ...plainAddr },
    { name: "--oif", arity: 1, ...ifaceName },
  ],
  checkCall: (options) => (options.some((o) => o.name === "--gateway") ? undefined : "needs --gateway"),
};
