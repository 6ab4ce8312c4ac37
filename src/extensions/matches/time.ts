// libxt_time: time of day, weekdays, days of the month and a date range.
// iptables-save prints a date as YYYY-MM-DDThh:mm:ss, clock times as hh:mm:ss,
// weekdays as Mon..Sun; `!` before a day list is stored as the complement.
import type { Extension } from "../types.js";
import type { ValueType } from "../values.js";
import * as xl from "../nft-text.js";

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function parseDays(text: string, names: readonly string[], max: number): number[] | undefined {
  const out = new Set<number>();
  for (const w of text.split(",")) {
    let n = /^\d+$/.test(w) ? Number(w) : names.findIndex((d) => d.toLowerCase().startsWith(w.toLowerCase()) && w.length >= 2) + 1;
    if (!(n >= 1 && n <= max)) return undefined;
    out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

function dayList(names: readonly string[], max: number, what: string): ValueType {
  return {
    check: (a) => (parseDays(a[0]!, names, max) ? undefined : `'${a[0]}' is not a list of ${what}`),
    canon: (a) => [parseDays(a[0]!, names, max)!.map((n) => names[n - 1] ?? String(n)).join(",")],
  };
}

function parseClock(text: string): string | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return undefined;
  return `${m[1]!.padStart(2, "0")}:${m[2]}:${m[3] ?? "00"}`;
}

const clock: ValueType = { check: (a) => (parseClock(a[0]!) ? undefined : `'${a[0]}' is not hh:mm[:ss]`), canon: (a) => [parseClock(a[0]!)!] };

function parseDate(text: string): string | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2}))?)?)?)?)?$/.exec(text);
  if (!m) return undefined;
  const [, y, mo = "01", d = "01", h = "00", mi = "00", s = "00"] = m;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}`;
}

const date: ValueType = { check: (a) => (parseDate(a[0]!) ? undefined : `'${a[0]}' is not YYYY[-MM[-DD[Thh[:mm[:ss]]]]]`), canon: (a) => [parseDate(a[0]!)!] };

export const time: Extension = {
  name: "time",
  kind: "match",
  xlate: (call) => xlateTime(call),
  options: [
    { name: "--timestart", arity: 1, ...clock },
    { name: "--timestop", arity: 1, ...clock },
    { name: "--monthdays", arity: 1, negatable: true, ...dayList([], 31, "days of the month (1-31)") },
    { name: "--weekdays", arity: 1, negatable: true, ...dayList(WEEKDAYS, 7, "weekdays (Mon-Sun or 1-7)") },
    { name: "--datestart", arity: 1, ...date },
    { name: "--datestop", arity: 1, ...date },
    { name: "--kerneltz", arity: 0 },
    { name: "--localtz", arity: 0 },
    { name: "--utc", arity: 0 },
    { name: "--contiguous", arity: 0 },
  ],
  normalize: (options) =>
    options.map((o) => {
      if (o.name !== "--weekdays" || !o.neg) return o;
      const chosen = new Set(o.args[0]!.split(","));
      return { ...o, neg: false, args: [WEEKDAYS.filter((d) => !chosen.has(d)).join(",")] };
    }),
};

/** nft counts weekdays from Sunday = 0. */
const NFT_DAY = new Map(WEEKDAYS.map((d, i) => [d, (i + 1) % 7]));

function xlateTime(call: Parameters<xl.XlateFn>[0]): xl.XlateResult {
  for (const n of ["--monthdays", "--contiguous", "--kerneltz", "--localtz"]) if (xl.has(call, n)) return xl.untranslatable(`${n} has no nft translation in dockwall`);
  const parts: string[] = [];
  const ds = xl.get(call, "--datestart")?.args[0];
  const de = xl.get(call, "--datestop")?.args[0];
  const nftDate = (d: string) => `"${d.replace("T", " ")}"`;
  if (ds || de) parts.push(`meta time ${ds ? nftDate(ds) : '"1970-01-01 00:00:00"'}-${de ? nftDate(de) : '"2038-01-19 03:14:07"'}`);
  const ts = xl.get(call, "--timestart")?.args[0];
  const te = xl.get(call, "--timestop")?.args[0];
  if (ts || te) parts.push(`meta hour "${ts ?? "00:00:00"}"-"${te ?? "23:59:59"}"`);
  const wd = xl.get(call, "--weekdays");
  if (wd) {
    const days = wd.args[0]!.split(",").map((d) => NFT_DAY.get(d)!);
    parts.push(`meta day ${xl.neq(wd.neg)}${days.length === 1 ? days[0] : `{ ${days.join(", ")} }`}`);
  }
  return {
    nft: parts.join(" "),
    lossy: "nft reads dates and clock times in the time zone of the machine that loads the script, iptables' time match uses UTC: exact only when that zone is UTC",
  };
}
