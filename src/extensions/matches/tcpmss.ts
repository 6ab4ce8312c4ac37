// libxt_tcpmss: the MSS option of a SYN packet.
import type { Extension } from "../types.js";
import { numRange } from "../values.js";
import * as xl from "../nft-text.js";

export const tcpmss: Extension = {
  name: "tcpmss",
  kind: "match",
  xlate: (call, ctx) => xlateTcpmss(call, ctx),
  options: [{ name: "--mss", arity: 1, negatable: true, ...numRange(65535, "MSS") }],
  checkCall: (options) => (options.length ? undefined : "needs --mss"),
};

const xlateTcpmss: xl.XlateFn = (call) => {
  const o = xl.get(call, "--mss")!;
  const range = xl.colonRange(o.args[0]!);
  if (!o.neg) return { nft: `tcp option maxseg size ${range}` };
  // iptables' negated test also matches a packet without the option; nft's size test stops the rule there
  return { anyOf: ["tcp option maxseg missing", `tcp option maxseg size != ${range}`] };
};
