// libipt_ah / libip6t_ah: the IPsec AH SPI; ip6tables also tests the header length and reserved field.
import type { Extension } from "../types.js";
import { numRange, uint } from "../values.js";
import * as xl from "../nft-text.js";

const v6only = (name: string) => (_a: string[], f: string) => (f === "ipv4" ? `${name} exists only in ip6tables` : undefined);

export const ah: Extension = {
  name: "ah",
  kind: "match",
  xlate: (call, ctx) => xlateAh(call, ctx),
  options: [
    { name: "--ahspi", arity: 1, negatable: true, ...numRange(0xffffffff, "SPI") },
    { name: "--ahlen", arity: 1, negatable: true, check: (a, f) => v6only("--ahlen")(a, f) ?? uint().check(a, f) },
    { name: "--ahres", arity: 0, check: v6only("--ahres") },
  ],
  normalize: (options) => options.filter((o) => o.name !== "--ahspi" || o.neg || o.args[0] !== "0:4294967295"),
};

const xlateAh: xl.XlateFn = (call, ctx) => {
  const parts: string[] = [];
  const spi = xl.get(call, "--ahspi");
  if (spi) parts.push(`ah spi ${xl.neq(spi.neg)}${xl.colonRange(spi.args[0]!)}`);
  const len = xl.get(call, "--ahlen");
  if (len) parts.push(`ah hdrlength ${xl.neq(len.neg)}${len.args[0]}`);
  if (xl.has(call, "--ahres")) parts.push("ah reserved 1");
  if (parts.length) return xl.join(parts);
  // no test left: only the presence of the header
  return { nft: ctx.family === "ipv4" ? "meta l4proto ah" : "exthdr ah exists" };
};
