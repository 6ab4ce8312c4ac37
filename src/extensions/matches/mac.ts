// libxt_mac: the Ethernet source address (PREROUTING, INPUT, FORWARD only).
import type { Extension } from "../types.js";
import { macAddr } from "../values.js";
import * as xl from "../nft-text.js";

export const mac: Extension = {
  name: "mac",
  kind: "match",
  xlate: (call, ctx) => xlateMac(call, ctx),
  options: [{ name: "--mac-source", arity: 1, negatable: true, ...macAddr }],
  checkCall: (options) => (options.length ? undefined : "needs --mac-source"),
};

const xlateMac: xl.XlateFn = (call) => {
  const o = xl.get(call, "--mac-source")!;
  return { nft: `ether saddr ${xl.neq(o.neg)}${o.args[0]!.toLowerCase()}` };
};
