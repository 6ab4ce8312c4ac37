// libxt_tos: the IPv4 TOS / IPv6 traffic class byte, printed as `0xVV/0xMM`.
// A symbolic name (Minimize-Delay, ...) tests only the low six bits (mask 0x3f).
import type { Extension } from "../types.js";
import { parseUInt, type ValueType } from "../values.js";
import * as xl from "../nft-text.js";

export const TOS_NAMES: ReadonlyMap<string, number> = new Map([
  ["minimize-delay", 0x10], ["maximize-throughput", 0x08], ["maximize-reliability", 0x04], ["minimize-cost", 0x02], ["normal-service", 0x00],
]);

const h2 = (n: number) => `0x${n.toString(16).padStart(2, "0")}`;

/** `VALUE[/MASK]` or a TOS name -> [value, mask]. */
export function parseTos(text: string): [number, number] | undefined {
  const named = TOS_NAMES.get(text.toLowerCase());
  if (named !== undefined) return [named, 0x3f];
  const [v, m, extra] = text.split("/");
  const value = parseUInt(v!, 255);
  const mask = m === undefined ? 0xff : parseUInt(m, 255);
  return value === undefined || mask === undefined || extra !== undefined ? undefined : [value, mask];
}

export const tosValue: ValueType = {
  check: (a) => (parseTos(a[0]!) ? undefined : `'${a[0]}' is not VALUE[/MASK] (0-255) or a TOS name`),
  canon: (a) => {
    const [v, m] = parseTos(a[0]!)!;
    return [`${h2(v)}/${h2(m)}`];
  },
};

export const tos: Extension = {
  name: "tos",
  kind: "match",
  xlate: (call, ctx) => xlateTosMatch(call, ctx),
  options: [{ name: "--tos", arity: 1, negatable: true, ...tosValue }],
  checkCall: (options) => (options.length ? undefined : "needs --tos"),
};

const xlateTosMatch: xl.XlateFn = (call, ctx) => {
  const o = xl.get(call, "--tos")!;
  const [v, mk] = o.args[0]!.split("/").map(Number);
  // the TOS / traffic class byte: bits 8-15 of IPv4, 4-11 of IPv6
  const at = ctx.family === "ipv4" ? "@nh,8,8" : "@nh,4,8";
  return { nft: `${at} & ${xl.hex(mk ?? 0xff)} ${o.neg ? "!=" : "=="} ${xl.hex(v!)}` };
};
