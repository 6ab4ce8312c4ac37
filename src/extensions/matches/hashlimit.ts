// libxt_hashlimit: per-flow rate limits (packets or bytes), keyed by address/port.
// iptables stores rates as periods (packets) or token costs (bytes) and prints
// them back from those numbers, so the canonical form is recomputed here the way
// hashlimit_mt_save does: `--hashlimit-burst` always printed in packet mode, the
// hash table expiry only when it differs from the printed rate unit, and so on.
import type { Family, OptionValue, Span } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { getOpt, implied, parseUInt, uint, type ValueType } from "../values.js";
import { formatRatePeriod, parseRateText, ratePeriod } from "./limit.js";
import * as xl from "../nft-text.js";

const SCALE = 1000000n;
const U32 = 0xffffffffn;
const BYTE_SHIFT = 4n;
const DEFAULT_BURST = 5n;
const GC_INTERVAL = 1000;
const MODES = ["srcip", "srcport", "dstip", "dstport"] as const;
const UNITS: readonly [string, bigint][] = [["m", 1024n * 1024n], ["k", 1024n]];

const costToBytes = (cost: bigint) => ((cost ? U32 / cost : U32) - 1n) << BYTE_SHIFT;
const bytesToCost = (bytes: bigint) => U32 / (((bytes >> BYTE_SHIFT) & U32) + 1n);

/** `N[k|m]b/s` -> bytes per second, or undefined when the rate is not in bytes. */
function parseByteRate(text: string): bigint | undefined {
  const m = /^(\d+)([km]?)b\/s$/i.exec(text);
  if (!m) return undefined;
  const f = m[2] ? UNITS.find(([u]) => u === m[2]!.toLowerCase())![1] : 1n;
  return BigInt(m[1]!) * f;
}

function parseBurstText(text: string): bigint | undefined {
  const m = /^(\d+)([km]?)b?$/i.exec(text);
  if (!m) return undefined;
  const f = m[2] ? UNITS.find(([u]) => u === m[2]!.toLowerCase())![1] : 1n;
  return BigInt(m[1]!) * f;
}

const rate: ValueType = {
  check: (a) => {
    const bytes = parseByteRate(a[0]!);
    if (bytes !== undefined) return bytes === 0n || bytesToCost(bytes) === 0n ? `byte rate '${a[0]}' is out of range` : undefined;
    const r = parseRateText(a[0]!);
    if (!r) return `'${a[0]}' is not a rate (N/sec, N/min, N/hour, N/day or N[k|m]b/s)`;
    return ratePeriod(r, SCALE) === 0n ? `rate '${a[0]}' is too fast` : undefined;
  },
};

const modeList: ValueType = {
  check: (a) => {
    for (const w of a[0]!.split(/[,|]/)) if (!(MODES as readonly string[]).includes(w)) return `'${w}' is not a hashlimit mode (${MODES.join(", ")})`;
    return undefined;
  },
  canon: (a) => {
    const s = new Set(a[0]!.split(/[,|]/));
    return [MODES.filter((m) => s.has(m)).join(",")];
  },
};

const prefixLen: ValueType = {
  check: (a, f) => (parseUInt(a[0]!, f === "ipv4" ? 32 : 128) === undefined ? `'${a[0]}' is not a prefix length` : undefined),
  canon: (a) => [String(parseUInt(a[0]!))],
};

function unitText(n: bigint, suffix: string, exact?: (thresh: bigint) => boolean): string {
  for (const [name, thresh] of UNITS) if (n >= thresh && (!exact || exact(thresh))) return `${n / thresh}${name}${suffix}`;
  return `${n}${suffix}`;
}

/** The whole call recomputed from the values iptables would store. */
function normalize(options: OptionValue[], family: Family, span: Span): OptionValue[] {
  const at = (name: string) => getOpt(options, name);
  const rateOpt = at("--hashlimit-upto") ?? at("--hashlimit-above")!;
  const above = (rateOpt.name === "--hashlimit-above") !== rateOpt.neg;
  const out: OptionValue[] = [];
  const put = (name: string, args: string[]) => out.push({ ...(at(name) ?? implied(name, args, span)), name, neg: false, args });
  const rateMatch = !!at("--hashlimit-rate-match");
  let quantum: number;
  const byteRate = parseByteRate(rateOpt.args[0]!);
  let expireDefault: number;
  const burstText = at("--hashlimit-burst")?.args[0];
  let rateText: string;
  let printedBurst: string | undefined;
  let interval = Number(at("--hashlimit-rate-interval")?.args[0] ?? 0);
  if (byteRate !== undefined) {
    const avg = bytesToCost(byteRate);
    const perToken = costToBytes(avg);
    rateText = unitText(perToken, "b/s", (t) => bytesToCost(perToken & ~(t - 1n)) === avg);
    let burst = 0n;
    expireDefault = 15000;
    if (burstText !== undefined) {
      const b = parseBurstText(burstText)!;
      burst = b / perToken + (b % perToken ? 1n : 0n);
      expireDefault = 60000;
    }
    quantum = burst === 0n ? 15000 : 60000;
    if (burst > 0n) printedBurst = unitText(perToken * burst, "b");
    if (rateMatch && interval === 0) interval = 1;
  } else {
    const r = parseRateText(rateOpt.args[0]!)!;
    let avg = ratePeriod(r, SCALE);
    expireDefault = r[1] * 1000;
    if (rateMatch) {
      avg /= BigInt(r[1]);
      if (interval === 0) interval = r[1];
    }
    // save prints the stored period itself (only `-L` multiplies in the interval)
    const p = formatRatePeriod(avg, SCALE);
    rateText = p.text;
    quantum = p.unitSecs * 1000;
    printedBurst = String(burstText === undefined ? DEFAULT_BURST : BigInt(burstText));
  }
  put(above ? "--hashlimit-above" : "--hashlimit-upto", [rateText]);
  if (printedBurst !== undefined) put("--hashlimit-burst", [printedBurst]);
  const mode = at("--hashlimit-mode");
  if (mode && mode.args[0] !== "") put("--hashlimit-mode", mode.args);
  put("--hashlimit-name", at("--hashlimit-name")!.args);
  for (const n of ["--hashlimit-htable-size", "--hashlimit-htable-max"]) {
    const v = at(n);
    if (v && Number(v.args[0]) !== 0) put(n, v.args);
  }
  const gc = at("--hashlimit-htable-gcinterval");
  if (gc && Number(gc.args[0]) !== GC_INTERVAL) put(gc.name, gc.args);
  const expire = Number(at("--hashlimit-htable-expire")?.args[0] ?? expireDefault);
  if (expire !== quantum) put("--hashlimit-htable-expire", [String(expire)]);
  const full = family === "ipv4" ? 32 : 128;
  for (const n of ["--hashlimit-srcmask", "--hashlimit-dstmask"]) {
    const v = at(n);
    if (v && Number(v.args[0]) !== full) put(n, v.args);
  }
  if (rateMatch) {
    put("--hashlimit-rate-match", []);
    if (interval !== 1) put("--hashlimit-rate-interval", [String(interval)]);
  }
  return out;
}

export const hashlimit: Extension = {
  name: "hashlimit",
  kind: "match",
  xlate: (call, ctx) => xlateHashlimit(call, ctx),
  options: [
    { name: "--hashlimit-upto", aliases: ["--hashlimit"], arity: 1, negatable: true, ...rate },
    { name: "--hashlimit-above", arity: 1, negatable: true, ...rate },
    {
      name: "--hashlimit-burst",
      arity: 1,
      check: (a) => (parseBurstText(a[0]!) === undefined ? `'${a[0]}' is not a burst (a number, or N[k|m]b in byte mode)` : undefined),
    },
    { name: "--hashlimit-mode", arity: 1, ...modeList },
    { name: "--hashlimit-name", arity: 1, check: (a) => (a[0]!.length === 0 || a[0]!.length > 254 ? "a name has 1 to 254 characters" : undefined) },
    { name: "--hashlimit-htable-size", arity: 1, ...uint() },
    { name: "--hashlimit-htable-max", arity: 1, ...uint() },
    { name: "--hashlimit-htable-gcinterval", arity: 1, ...uint() },
    { name: "--hashlimit-htable-expire", arity: 1, ...uint() },
    { name: "--hashlimit-srcmask", arity: 1, ...prefixLen },
    { name: "--hashlimit-dstmask", arity: 1, ...prefixLen },
    { name: "--hashlimit-rate-match", arity: 0 },
    { name: "--hashlimit-rate-interval", arity: 1, ...uint(0x7fffffff, 1) },
  ],
  checkCall(options) {
    const rates = options.filter((o) => o.name === "--hashlimit-upto" || o.name === "--hashlimit-above");
    if (rates.length !== 1) return rates.length ? "--hashlimit-upto and --hashlimit-above cannot be used together" : "needs --hashlimit-upto or --hashlimit-above";
    if (!options.some((o) => o.name === "--hashlimit-name")) return "needs --hashlimit-name";
    const bytes = parseByteRate(rates[0]!.args[0]!);
    const burst = options.find((o) => o.name === "--hashlimit-burst")?.args[0];
    if (burst !== undefined) {
      const b = parseBurstText(burst)!;
      if (bytes === undefined && (!/^\d+$/.test(burst) || b < 1n || b > 1000000n)) return `--hashlimit-burst '${burst}' must be 1 to 1000000 packets`;
      if (bytes !== undefined && b < costToBytes(bytesToCost(bytes))) return `--hashlimit-burst cannot be smaller than ${costToBytes(bytesToCost(bytes))}b`;
    }
    return undefined;
  },
  normalize,
};

/** iptables' unit words to nft's: `20kb/s` -> `20 kbytes/second`, `300/sec` -> `300/second`. */
function nftRate(text: string): string {
  const bytes = /^(\d+)([km]?)b\/s$/.exec(text);
  if (bytes) return `${bytes[1]} ${bytes[2] ? `${bytes[2]}bytes` : "bytes"}/second`;
  const [n, unit] = text.split("/");
  return `${n}/${new Map([["sec", "second"], ["min", "minute"]]).get(unit!) ?? unit}`;
}

const xlateHashlimit: xl.XlateFn = (call, ctx) => {
  const rateMatch = call.options.find((o) => o.name === "--hashlimit-rate-match" || o.name === "--hashlimit-rate-interval");
  if (rateMatch) return xl.untranslatable(`${rateMatch.name} has no nft equivalent`);
  const above = xl.get(call, "--hashlimit-above");
  const rate = (above ?? xl.get(call, "--hashlimit-upto"))!.args[0]!;
  const modes = (xl.get(call, "--hashlimit-mode")?.args[0] ?? "").split(",").filter(Boolean);
  if (!modes.length) return xl.untranslatable("a hashlimit without --hashlimit-mode is one bucket for all packets; use -m limit");
  const kw = xl.ipKw(ctx.family);
  const full = ctx.family === "ipv4" ? 32 : 128;
  const masked = (field: string, opt: string) => {
    const bits = Number(xl.get(call, opt)?.args[0] ?? full);
    if (bits === full) return field;
    const all = (1n << BigInt(full)) - 1n;
    return `${field} and ${xl.formatAddr(all ^ ((1n << BigInt(full - bits)) - 1n), ctx.family)}`;
  };
  const proto = ctx.rule.proto?.value;
  const keys: string[] = [];
  if (modes.includes("dstip")) keys.push(masked(`${kw} daddr`, "--hashlimit-dstmask"));
  if (modes.includes("srcip")) keys.push(masked(`${kw} saddr`, "--hashlimit-srcmask"));
  for (const [m, f] of [["dstport", "dport"], ["srcport", "sport"]] as const) {
    if (!modes.includes(m)) continue;
    if (!proto || !["tcp", "udp", "sctp", "dccp", "udplite"].includes(proto)) return xl.untranslatable(`--hashlimit-mode ${m} needs -p tcp, udp, sctp or dccp`);
    keys.push(`${proto} ${f}`);
  }
  const bytes = /b\/s$/.test(rate);
  const burst = xl.get(call, "--hashlimit-burst")?.args[0];
  const burstText = burst === undefined ? "" : bytes ? ` burst ${burst.replace(/^(\d+)([km]?)b$/, (_m, n: string, u: string) => `${n} ${u ? `${u}bytes` : "bytes"}`)}` : ` burst ${burst} packets`;
  // the expiry iptables-save leaves out equals the rate's unit (seconds for /sec, 60 s for byte rates with a burst...)
  const expireMs = Number(xl.get(call, "--hashlimit-htable-expire")?.args[0] ?? (bytes ? (burst ? 60000 : 15000) : 1000 * ({ sec: 1, min: 60, hour: 3600, day: 86400 } as Record<string, number>)[rate.split("/")[1]!]!));
  const name = xl.get(call, "--hashlimit-name")!.args[0]!;
  if (!/^[A-Za-z_][A-Za-z0-9_./-]*$/.test(name)) return xl.untranslatable(`hashlimit name '${name}' is not a name nft can read`);
  return {
    nft: `meter ${name} { ${keys.join(" . ")} timeout ${expireMs / 1000}s limit rate ${above ? "over " : ""}${nftRate(rate)}${burstText} }`,
    lossy: "an nft meter approximates hashlimit: the token bucket arithmetic, the table size and the expiry of idle entries differ",
  };
};
