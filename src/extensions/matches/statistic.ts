// libxt_statistic: random sampling or every-Nth packet (kube-proxy's load balancing).
// The probability is stored as a 31-bit fraction and printed with 11 decimals.
import type { Extension } from "../types.js";
import { uint } from "../values.js";
import * as xl from "../nft-text.js";

const SCALE = 0x80000000;

/** What iptables-save prints for probability `p`: the stored fraction with %.11f. */
export function formatProbability(p: number): string {
  return (Math.round(p * SCALE) / SCALE).toFixed(11);
}

export const statistic: Extension = {
  name: "statistic",
  kind: "match",
  xlate: (call, ctx) => xlateStatistic(call, ctx),
  options: [
    {
      name: "--mode",
      arity: 1,
      check: (a) => (a[0] === "random" || a[0] === "nth" ? undefined : `'${a[0]}' is not random or nth`),
    },
    {
      name: "--probability",
      arity: 1,
      negatable: true,
      check: (a) => {
        const p = Number(a[0]);
        return /^(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(a[0]!) && p >= 0 && p <= 1 ? undefined : `'${a[0]}' is not a probability from 0 to 1`;
      },
      canon: (a) => [formatProbability(Number(a[0]))],
    },
    { name: "--every", arity: 1, negatable: true, ...uint(0xffffffff, 1) },
    { name: "--packet", arity: 1, ...uint() },
  ],
  checkCall(options) {
    const mode = options.find((o) => o.name === "--mode")?.args[0];
    const has = (n: string) => options.some((o) => o.name === n);
    if (!mode) return "needs --mode random or --mode nth";
    if (mode === "random" && (!has("--probability") || has("--every") || has("--packet"))) return "--mode random needs --probability (and no --every/--packet)";
    if (mode === "nth" && (!has("--every") || !has("--packet") || has("--probability"))) return "--mode nth needs --every and --packet";
    const every = Number(options.find((o) => o.name === "--every")?.args[0] ?? 0);
    const packet = Number(options.find((o) => o.name === "--packet")?.args[0] ?? 0);
    if (mode === "nth" && packet >= every) return "--packet must be smaller than --every";
    return undefined;
  },
};

const xlateStatistic: xl.XlateFn = (call) => {
  if (xl.get(call, "--mode")!.args[0] === "random") {
    const p = xl.get(call, "--probability")!;
    // xt_statistic: (random & 0x7fffffff) < round(p * 2^31)
    const n = Math.round(Number(p.args[0]) * 0x80000000);
    return { nft: `meta random & 2147483647 ${p.neg ? ">=" : "<"} ${n}` };
  }
  const every = xl.get(call, "--every")!;
  const packet = xl.get(call, "--packet")?.args[0] ?? "0";
  return { nft: `numgen inc mod ${every.args[0]} ${xl.neq(every.neg)}${packet}` };
};
