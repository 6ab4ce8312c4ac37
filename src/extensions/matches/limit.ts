// libxt_limit: token-bucket rate limit. iptables stores the rate as a period in
// units of 1/10000 s and prints it back in the largest unit that divides it
// evenly enough (print_rate), so `60/min` reads back as `1/sec`.
import type { OptionValue } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { getOpt, implied, uint, withoutDefault, type ValueType } from "../values.js";
import * as xl from "../nft-text.js";

const UNITS: readonly [string, number][] = [["second", 1], ["minute", 60], ["hour", 3600], ["day", 86400]];

/** `N[/unit]` (unit any prefix of second, minute, hour, day) -> [count, seconds per unit]. */
export function parseRateText(text: string): [number, number] | undefined {
  const m = /^(\d+)(?:\/([a-z]+))?$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n === 0) return undefined;
  if (m[2] === undefined) return [n, 1];
  const u = m[2].toLowerCase();
  const unit = UNITS.find(([name]) => name.startsWith(u));
  return unit ? [n, unit[1]] : undefined;
}

/** The period iptables stores for `count/unit`, in 1/scale seconds (integer division, as in C). */
export function ratePeriod([count, unitSecs]: [number, number], scale: bigint): bigint {
  return (scale * BigInt(unitSecs)) / BigInt(count);
}

const PRINT_UNITS: readonly [string, number][] = [["day", 86400], ["hour", 3600], ["min", 60], ["sec", 1]];

/** print_rate: the stored period back to `N/unit`; returns the text and the unit's length in seconds. */
export function formatRatePeriod(period: bigint, scale: bigint): { text: string; unitSecs: number } {
  const mults = PRINT_UNITS.map(([name, s]) => [name, scale * BigInt(s)] as const);
  let i = 1;
  for (; i < mults.length; i++) {
    const mult = mults[i]![1];
    if (period > mult || mult / period < mult % period) break;
  }
  const [name, mult] = mults[i - 1]!;
  return { text: `${mult / period}/${name}`, unitSecs: PRINT_UNITS[i - 1]![1] };
}

const LIMIT_SCALE = 10000n;
const DEFAULT_RATE = "3/hour";
const DEFAULT_BURST = "5";

const rate: ValueType = {
  check: (a) => {
    const r = parseRateText(a[0]!);
    if (!r) return `'${a[0]}' is not a rate (N/sec, N/minute, N/hour or N/day)`;
    return ratePeriod(r, LIMIT_SCALE) === 0n ? `rate '${a[0]}' is too fast (at most 10000/sec)` : undefined;
  },
  canon: (a) => [formatRatePeriod(ratePeriod(parseRateText(a[0]!)!, LIMIT_SCALE), LIMIT_SCALE).text],
};

export const limit: Extension = {
  name: "limit",
  kind: "match",
  xlate: (call, ctx) => xlateLimit(call, ctx),
  options: [
    { name: "--limit", arity: 1, ...rate },
    // 0 since iptables 1.8.9: nft_limit then uses its default burst, 5 (iptables-save prints none)
    { name: "--limit-burst", arity: 1, ...uint(10000) },
  ],
  normalize(options, _family, span) {
    const out: OptionValue[] = withoutDefault(options, "--limit-burst", (o) => o.args[0] === DEFAULT_BURST);
    if (!getOpt(out, "--limit")) out.unshift(implied("--limit", [DEFAULT_RATE], span));
    return out;
  },
  constraint: () => ({ k: "undecided", module: "limit" }),
};

const NFT_UNITS = new Map([["sec", "second"], ["min", "minute"], ["hour", "hour"], ["day", "day"]]);

const xlateLimit: xl.XlateFn = (call) => {
  const [n, unit] = xl.get(call, "--limit")!.args[0]!.split("/");
  const burst = xl.get(call, "--limit-burst")?.args[0] ?? "5";
  return { nft: `limit rate ${n}/${NFT_UNITS.get(unit!) ?? unit}${burst === "0" ? "" : ` burst ${burst} packets`}` };
};
