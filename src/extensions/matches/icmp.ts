// libipt_icmp: ICMP type and code (IPv4). Loaded implicitly by `-p icmp`.
// iptables-save prints numbers: `TYPE` for a whole type, `TYPE/CODE` for one code, `any`.
import type { Extension } from "../types.js";
import type { ValueType } from "../values.js";
import { allOptions } from "../packet.js";
import * as xl from "../nft-text.js";

/** name -> [type, code min, code max] */
export type IcmpTable = ReadonlyMap<string, readonly [number, number, number]>;

export const ICMP_TYPES: IcmpTable = new Map([
  ["any", [0xff, 0, 0xff]],
  ["echo-reply", [0, 0, 0xff]], ["pong", [0, 0, 0xff]],
  ["destination-unreachable", [3, 0, 0xff]],
  ["network-unreachable", [3, 0, 0]], ["host-unreachable", [3, 1, 1]], ["protocol-unreachable", [3, 2, 2]],
  ["port-unreachable", [3, 3, 3]], ["fragmentation-needed", [3, 4, 4]], ["source-route-failed", [3, 5, 5]],
  ["network-unknown", [3, 6, 6]], ["host-unknown", [3, 7, 7]], ["network-prohibited", [3, 9, 9]],
  ["host-prohibited", [3, 10, 10]], ["tos-network-unreachable", [3, 11, 11]], ["tos-host-unreachable", [3, 12, 12]],
  ["communication-prohibited", [3, 13, 13]], ["host-precedence-violation", [3, 14, 14]], ["precedence-cutoff", [3, 15, 15]],
  ["source-quench", [4, 0, 0xff]],
  ["redirect", [5, 0, 0xff]], ["network-redirect", [5, 0, 0]], ["host-redirect", [5, 1, 1]],
  ["tos-network-redirect", [5, 2, 2]], ["tos-host-redirect", [5, 3, 3]],
  ["echo-request", [8, 0, 0xff]], ["ping", [8, 0, 0xff]],
  ["router-advertisement", [9, 0, 0xff]], ["router-solicitation", [10, 0, 0xff]],
  ["time-exceeded", [11, 0, 0xff]], ["ttl-exceeded", [11, 0, 0xff]],
  ["ttl-zero-during-transit", [11, 0, 0]], ["ttl-zero-during-reassembly", [11, 1, 1]],
  ["parameter-problem", [12, 0, 0xff]], ["ip-header-bad", [12, 0, 0]], ["required-option-missing", [12, 1, 1]],
  ["timestamp-request", [13, 0, 0xff]], ["timestamp-reply", [14, 0, 0xff]],
  ["address-mask-request", [17, 0, 0xff]], ["address-mask-reply", [18, 0, 0xff]],
]);

/** `NAME`, `TYPE` or `TYPE/CODE` -> [type, codeMin, codeMax], or undefined. */
export function parseIcmpType(text: string, table: IcmpTable): readonly [number, number, number] | undefined {
  const named = table.get(text.toLowerCase());
  if (named) return named;
  const m = /^(\d{1,3})(?:\/(\d{1,3}))?$/.exec(text);
  if (!m) return undefined;
  const type = Number(m[1]);
  const code = m[2] === undefined ? undefined : Number(m[2]);
  if (type > 255 || (code !== undefined && code > 255)) return undefined;
  return code === undefined ? [type, 0, 0xff] : [type, code, code];
}

/** The option value type for --icmp-type / --icmpv6-type; `anyName` prints type 255 as `any` (IPv4 only). */
export function icmpTypeValue(table: IcmpTable, anyName: boolean): ValueType {
  return {
    check: (a) => (parseIcmpType(a[0]!, table) ? undefined : `'${a[0]}' is not an ICMP type (a name, TYPE or TYPE/CODE)`),
    canon: (a) => {
      const [type, lo, hi] = parseIcmpType(a[0]!, table)!;
      if (lo === 0 && hi === 0xff) return [anyName && type === 0xff ? "any" : String(type)];
      return [`${type}/${lo}`];
    },
  };
}

export const icmp: Extension = {
  name: "icmp",
  kind: "match",
  xlate: (call, ctx) => xlateIcmp(call, ctx),
  family: "ipv4",
  options: [{ name: "--icmp-type", arity: 1, negatable: true, ...icmpTypeValue(ICMP_TYPES, true) }],
  constraint: (call) =>
    allOptions(call.options, (_n, a) => {
      const [type, lo, hi] = parseIcmpType(a[0]!, ICMP_TYPES)!;
      // type 255 ("any") matches every ICMP packet
      return { k: "num", field: "icmp", ranges: [type === 0xff ? [0, 0xffff] : [type * 256 + lo, type * 256 + hi]] };
    }),
};

const ICMP_NFT = new Map([
  [0, "echo-reply"], [3, "destination-unreachable"], [4, "source-quench"], [5, "redirect"], [8, "echo-request"],
  [9, "router-advertisement"], [10, "router-solicitation"], [11, "time-exceeded"], [12, "parameter-problem"],
  [13, "timestamp-request"], [14, "timestamp-reply"], [15, "info-request"], [16, "info-reply"],
  [17, "address-mask-request"], [18, "address-mask-reply"],
]);

export function icmpXlate(kw: "icmp" | "icmpv6", names: ReadonlyMap<number, string>, arg: string, neg: boolean): xl.XlateResult {
  if (arg === "any") return neg ? xl.untranslatable("! --icmp-type any matches no packet") : { nft: "ip protocol icmp" };
  const [t, c] = arg.split("/");
  const type = names.get(Number(t)) ?? t;
  if (c === undefined) return { nft: `${kw} type ${xl.neq(neg)}${type}` };
  return { nft: neg ? `${kw} type . ${kw} code != { ${t} . ${c} }` : `${kw} type ${type} ${kw} code ${c}` };
}

const xlateIcmp: xl.XlateFn = (call) => {
  const o = xl.get(call, "--icmp-type")!;
  return icmpXlate("icmp", ICMP_NFT, o.args[0]!, o.neg);
};
