// libxt_cpu: the CPU that handles the packet.
import type { Extension } from "../types.js";
import { uint } from "../values.js";
import * as xl from "../nft-text.js";

export const cpu: Extension = {
  name: "cpu",
  kind: "match",
  xlate: (call) => xlateCpu(call),
  options: [{ name: "--cpu", arity: 1, negatable: true, ...uint() }],
  checkCall: (options) => (options.length ? undefined : "needs --cpu"),
};

function xlateCpu(call: Parameters<xl.XlateFn>[0]): xl.XlateResult {
  const o = xl.get(call, "--cpu")!;
  return { nft: `cpu ${xl.neq(o.neg)}${o.args[0]}` };
}
