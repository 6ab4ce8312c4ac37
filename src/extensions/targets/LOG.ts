// libxt_LOG: log the packet to the kernel log. Levels are stored as numbers;
// iptables-save leaves out the default level 4 (warning).
import type { Extension } from "../types.js";
import { text, withoutDefault, type ValueType } from "../values.js";
import * as xl from "../nft-text.js";

export const LOG_LEVELS: ReadonlyMap<string, number> = new Map([
  ["emerg", 0], ["panic", 0], ["alert", 1], ["crit", 2], ["err", 3], ["error", 3], ["warning", 4], ["warn", 4], ["notice", 5], ["info", 6], ["debug", 7],
]);

const level: ValueType = {
  check: (a) =>
    /^[0-7]$/.test(a[0]!) || (LOG_LEVELS.has(a[0]!.toLowerCase()) && a[0]!.toLowerCase() !== "warn")
      ? undefined
      : `'${a[0]}' is not a log level (0-7, emerg, alert, crit, error, warning, notice, info, debug)`,
  canon: (a) => [/^[0-7]$/.test(a[0]!) ? a[0]! : String(LOG_LEVELS.get(a[0]!.toLowerCase()))],
};

export const LOG: Extension = {
  name: "LOG",
  kind: "target",
  xlate: (call, ctx) => xlateLog(call, ctx),
  options: [
    { name: "--log-prefix", arity: 1, quote: true, ...text(29, 1) },
    { name: "--log-level", arity: 1, ...level },
    { name: "--log-tcp-sequence", arity: 0 },
    { name: "--log-tcp-options", arity: 0 },
    { name: "--log-ip-options", arity: 0 },
    { name: "--log-uid", arity: 0 },
    { name: "--log-macdecode", arity: 0 },
  ],
  normalize: (options) => withoutDefault(options, "--log-level", (o) => o.args[0] === "4"),
};

const NFT_LOG_LEVELS = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"];

const xlateLog: xl.XlateFn = (call) => {
  const parts = ["log"];
  const prefix = xl.get(call, "--log-prefix");
  if (prefix) {
    const q = xl.nftQuote(prefix.args[0]!);
    if (!q) return xl.untranslatable("the log prefix holds a '\"'");
    parts.push(`prefix ${q}`);
  }
  const level = xl.get(call, "--log-level");
  if (level && level.args[0] !== "4") parts.push(`level ${NFT_LOG_LEVELS[Number(level.args[0])]}`);
  const tcp = [xl.has(call, "--log-tcp-sequence") && "sequence", xl.has(call, "--log-tcp-options") && "options"].filter(Boolean);
  if (tcp.length) parts.push(`flags tcp ${tcp.join(",")}`);
  if (xl.has(call, "--log-ip-options")) parts.push("flags ip options");
  if (xl.has(call, "--log-uid")) parts.push("flags skuid");
  if (xl.has(call, "--log-macdecode")) parts.push("flags ether");
  return xl.join(parts);
};
