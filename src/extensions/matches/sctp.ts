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

/** Chunk flag letters by chunk type, bit 7 first (libxt_sctp's valid_flags): uppercase = set, lowercase = clear. */
const CHUNK_FLAGS = new Map([["DATA", "----IUBE"], ["I_DATA", "----IUBE"], ["ABORT", "-------T"], ["SHUTDOWN_COMPLETE", "-------T"]]);

/** `sctp chunk data flags & 0xf == 0x5` / `sctp chunk init exists`, or undefined for flags that chunk type does not have. */
function chunkTest(spec: string): { nft: string; flags: boolean } | undefined {
  const [type, flags] = spec.split(":") as [string, string | undefined];
  const name = type.toUpperCase();
  const nftName = name.toLowerCase().replace(/_/g, "-").replace(/^ecn-/, "");
  if (!flags) return { nft: `sctp chunk ${nftName} exists`, flags: false };
  const valid = CHUNK_FLAGS.get(name);
  if (!valid) return undefined;
  let mask = 0;
  let value = 0;
  for (const ch of flags) {
    const at = valid.indexOf(ch.toUpperCase());
    if (at < 0) return undefined;
    const bit = 1 << (7 - at);
    mask |= bit;
    if (ch === ch.toUpperCase()) value |= bit;
  }
  return { nft: `sctp chunk ${nftName} flags & ${xl.hex(mask)} == ${xl.hex(value)}`, flags: true };
}

/** Chunk types nft 1.0.6 has no keyword for (newer nft has). */
const NFT_106_UNKNOWN = new Set(["I_DATA", "RE_CONFIG", "PAD", "I_FORWARD_TSN"]);

const xlateSctp: xl.XlateFn = (call) => {
  const parts = xl.portTests("sctp", call.options);
  const chunks = xl.get(call, "--chunk-types");
  let lossy: string | undefined;
  if (chunks) {
    const [mode, list] = chunks.args as [string, string];
    if (chunks.neg) return xl.untranslatable("a negated --chunk-types has no nft translation");
    if (mode === "any") return xl.untranslatable("--chunk-types any is an OR of chunk types, which one nft rule cannot test");
    const given = new Map(list.split(",").map((c) => [c.split(":")[0]!.toUpperCase(), c] as const));
    if (given.has("ALL") || given.has("NONE")) return xl.untranslatable("--chunk-types ALL/NONE has no nft translation in dockwall");
    // iptables-translate lists the chunk types in its own table order
    for (const name of CHUNK_TYPES) {
      if (name === "ALL" || name === "NONE") continue;
      const spec = given.get(name);
      if (spec) {
        const t = chunkTest(spec);
        if (!t) return xl.untranslatable(`chunk flags '${spec}' are not flags of that chunk type`);
        if (t.flags) lossy = "nft tests the flags of the first chunk of a type, xt_sctp those of any chunk of it";
        parts.push(t.nft);
      } else if (mode === "only") {
        if (NFT_106_UNKNOWN.has(name)) continue;
        parts.push(`sctp chunk ${name.toLowerCase().replace(/_/g, "-").replace(/^ecn-/, "")} missing`);
      }
    }
    if (mode === "only") {
      const cannot = [...NFT_106_UNKNOWN].filter((n) => !given.has(n));
      if (cannot.length) lossy = `nft 1.0.x cannot test for ${cannot.join(", ")} chunks, so \`only\` lets packets that carry them through`;
    }
    const named = [...given.keys()].filter((n) => NFT_106_UNKNOWN.has(n));
    if (named.length) return xl.untranslatable(`nft 1.0.x has no name for the ${named.join(", ")} chunk`);
  }
  const r = xl.protoOrTests("sctp", parts);
  return lossy && "nft" in r ? { ...r, lossy } : r;
};
