// libip6t_frag: the IPv6 fragment header.
import type { Extension } from "../types.js";
import { exclusive, numRange, uint } from "../values.js";
import * as xl from "../nft-text.js";

export const frag: Extension = {
  name: "frag",
  kind: "match",
  xlate: (call, ctx) => xlateFrag(call, ctx),
  family: "ipv6",
  options: [
    { name: "--fragid", arity: 1, negatable: true, ...numRange(0xffffffff, "fragment id") },
    { name: "--fraglen", arity: 1, negatable: true, ...uint() },
    { name: "--fragres", arity: 0 },
    { name: "--fragfirst", arity: 0 },
    { name: "--fragmore", arity: 0 },
    { name: "--fraglast", arity: 0 },
  ],
  checkCall: (options) => exclusive(options, ["--fragmore", "--fraglast"]),
  normalize: (options) => options.filter((o) => o.name !== "--fragid" || o.neg || o.args[0] !== "0:4294967295"),
};

const xlateFrag: xl.XlateFn = (call) => {
  const parts: string[] = [];
  const id = xl.get(call, "--fragid");
  if (id) parts.push(`frag id ${xl.neq(id.neg)}${xl.colonRange(id.args[0]!)}`);
  if (xl.has(call, "--fraglen")) return xl.untranslatable("--fraglen has no nft equivalent (the fragment header has no length field)");
  if (xl.has(call, "--fragres")) parts.push("frag reserved 1");
  if (xl.has(call, "--fragfirst")) parts.push("frag frag-off 0");
  if (xl.has(call, "--fragmore")) parts.push("frag more-fragments 1");
  if (xl.has(call, "--fraglast")) parts.push("frag more-fragments 0");
  return parts.length ? xl.join(parts) : { nft: "exthdr frag exists" };
};
