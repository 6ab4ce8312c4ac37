// libxt_udp: UDP ports. Loaded implicitly by `-p udp` (and `-p udplite`).
import type { Extension } from "../types.js";
import { PORT_OPTIONS, withoutFullPortRanges } from "../values.js";
import { parsePortRange } from "../values.js";
import { allOptions, portsConstraint } from "../packet.js";
import * as xl from "../nft-text.js";

export const udp: Extension = {
  name: "udp",
  kind: "match",
  xlate: (call, ctx) => xlateUdp(call, ctx),
  options: [...PORT_OPTIONS],
  normalize: (options) => withoutFullPortRanges(options),
  constraint: (call) =>
    allOptions(call.options, (name, a) => portsConstraint(name === "--sport" ? "sport" : "dport", [parsePortRange(a[0]!)!])),
};

const xlateUdp: xl.XlateFn = (call, ctx) => {
  // `-p udplite` loads this module too; nft names the header after the protocol
  const proto = ctx.rule.proto?.value === "udplite" ? "udplite" : "udp";
  return xl.protoOrTests(proto, xl.portTests(proto, call.options));
};
