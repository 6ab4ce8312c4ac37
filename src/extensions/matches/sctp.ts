// libxt_sctp: SCTP ports and chunk types. Loaded implicitly by `-p sctp`.
import type { Extension } from "../types.js";
import { PORT_OPTIONS, withoutFullPortRanges } from "../values.js";
import { parsePortRange } from "../values.js";
import { allOptions, portsConstraint } from "../packet.js";
import * as xl from "../nft-text.js";

const CHUNK_MATCH = new Set(["all", "any", "only"]);
const CHUNK_TYPES = new Set([
  "DATA", "INIT", "INIT_ACK", "SACK", "HEARTBEAT", "HEARTBEAT_ACK", "ABORT", "SHUTDOWN", "SHUTDOWN_ACK", "ERROR",
  "COOKIE_ECHO", "COOKIE_ACK", "ECN_ECNE", "ECN_CWR", "SHUTDOWN_COMPLETE", "I_DATA", "RE_CONFIG", "PAD", "ASCONF",
  "ASCONF_ACK", "FORWARD_TSN", "I_FORWARD_TSN", "ALL", "NONE",
]);

export const sctp: Extension = {
  name: "sctp",
  kind: "match",
  xlate: (call, ctx) => xlateSctp(call, ctx),
  options: [
    ...PORT_OPTIONS,
    {
      name: "--chunk-types",
      arity: 2,
      negatable: true,
      check: (a) => {
        if (!CHUNK_MATCH.has(a[0]!.toLowerCase())) return `'${a[0]}' must be all, any or only`;
        for (const c of a[1]!.split(",")) {
          const [type] = c.split(":");
          if (!CHUNK_TYPES.has(type!.toUpperCase())) return `'${type}' is not an SCTP chunk type`;
        }
        return undefined;
      },
      canon: (a) => [a[0]!.toLowerCase(), a[1]!],
    },
  ],
  normalize: (options) => withoutFullPortRanges(options),
  constraint: (call) =>
    allOptions(call.options, (name, a) =>
      name === "--sport" || name === "--dport"
        ? portsConstraint(name === "--sport" ? "sport" : "dport", [parsePortRange(a[0]!)!])
        : { k: "undecided", module: `sctp ${name}` },
    ),
};

const xlateSctp: xl.XlateFn = (call) => {
  if (xl.has(call, "--chunk-types")) return xl.untranslatable("--chunk-types has no nft translation in dockwall yet");
  return xl.protoOrTests("sctp", xl.portTests("sctp", call.options));
};
