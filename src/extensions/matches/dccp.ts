// libxt_dccp: DCCP ports and packet types. Loaded implicitly by `-p dccp`.
import type { Extension } from "../types.js";
import { PORT_OPTIONS, flagList, uint, withoutFullPortRanges } from "../values.js";
import * as xl from "../nft-text.js";

export const DCCP_TYPES = ["REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET", "SYNC", "SYNCACK", "INVALID"] as const;

export const dccp: Extension = {
  name: "dccp",
  kind: "match",
  xlate: (call) => xlateDccp(call),
  options: [
    ...PORT_OPTIONS,
    { name: "--dccp-types", arity: 1, negatable: true, ...flagList(DCCP_TYPES, "DCCP packet type") },
    { name: "--dccp-option", arity: 1, negatable: true, ...uint(255) },
  ],
  normalize: (options) => withoutFullPortRanges(options),
};

function xlateDccp(call: Parameters<xl.XlateFn>[0]): xl.XlateResult {
  const parts = xl.portTests("dccp", call.options);
  const types = xl.get(call, "--dccp-types");
  if (types) {
    // types 10 to 15 are reserved; iptables calls them all INVALID
    const names = types.args[0]!.split(",").map((t) => (t === "INVALID" ? "10-15" : t.toLowerCase()));
    parts.push(`dccp type ${xl.neq(types.neg)}${names.length === 1 ? names[0] : `{ ${names.join(", ")} }`}`);
  }
  if (xl.has(call, "--dccp-option")) return xl.untranslatable("--dccp-option has no nft translation in dockwall");
  return xl.protoOrTests("dccp", parts);
}
