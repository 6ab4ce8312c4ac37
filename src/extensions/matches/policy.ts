// libxt_policy: the IPsec policy that did (in) or will (out) process the packet.
// Several policy elements are separated by --next; iptables-save prints each
// element's options in a fixed order, so normalize reorders within elements.
import type { OptionValue } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { cidrShortHost, hexUint, oneOf, uint } from "../values.js";
import * as xl from "../nft-text.js";

const HEAD = ["--dir", "--pol", "--strict"];
const ELEMENT = ["--reqid", "--spi", "--proto", "--mode", "--tunnel-dst", "--tunnel-src"];

export const policy: Extension = {
  name: "policy",
  kind: "match",
  xlate: (call, ctx) => xlatePolicy(call, ctx),
  ordered: true,
  options: [
    { name: "--dir", arity: 1, ...oneOf(new Map([["in", "in"], ["out", "out"]]), "direction") },
    { name: "--pol", arity: 1, ...oneOf(new Map([["none", "none"], ["ipsec", "ipsec"]]), "policy") },
    { name: "--strict", arity: 0 },
    { name: "--reqid", arity: 1, negatable: true, repeatable: true, ...uint() },
    { name: "--spi", arity: 1, negatable: true, repeatable: true, ...hexUint() },
    { name: "--proto", arity: 1, negatable: true, repeatable: true, ...oneOf(new Map([["esp", "esp"], ["ah", "ah"], ["ipcomp", "ipcomp"], ["50", "esp"], ["51", "ah"], ["108", "ipcomp"]]), "IPsec protocol") },
    { name: "--mode", arity: 1, negatable: true, repeatable: true, ...oneOf(new Map([["transport", "transport"], ["tunnel", "tunnel"]]), "IPsec mode") },
    { name: "--tunnel-dst", arity: 1, negatable: true, repeatable: true, ...cidrShortHost },
    { name: "--tunnel-src", arity: 1, negatable: true, repeatable: true, ...cidrShortHost },
    { name: "--next", arity: 0, repeatable: true },
  ],
  checkCall(options) {
    if (!options.some((o) => o.name === "--dir")) return "needs --dir in or --dir out";
    if (!options.some((o) => o.name === "--pol")) return "needs --pol none or --pol ipsec";
    const elements = splitElements(options);
    if (elements.length > 4) return "at most 4 policy elements (3 --next)";
    for (const el of elements) {
      const seen = new Set<string>();
      for (const o of el) {
        if (seen.has(o.name)) return `${o.name} given twice in one policy element`;
        seen.add(o.name);
      }
      const tunnel = el.find((o) => o.name === "--mode")?.args[0] === "tunnel";
      if (!tunnel && el.some((o) => o.name === "--tunnel-src" || o.name === "--tunnel-dst")) return "--tunnel-src/--tunnel-dst need --mode tunnel";
    }
    return undefined;
  },
  normalize(options) {
    const head = HEAD.flatMap((n) => options.filter((o) => o.name === n));
    const out: OptionValue[] = [...head];
    const nexts = options.filter((o) => o.name === "--next");
    splitElements(options).forEach((el, i) => {
      if (i > 0) out.push(nexts[i - 1]!);
      out.push(...ELEMENT.flatMap((n) => el.filter((o) => o.name === n)));
    });
    return out;
  },
};

function splitElements<T extends { name: string }>(options: readonly T[]): T[][] {
  const els: T[][] = [[]];
  for (const o of options) {
    if (o.name === "--next") els.push([]);
    else if (!HEAD.includes(o.name)) els.at(-1)!.push(o);
  }
  return els;
}

const xlatePolicy: xl.XlateFn = (call) => {
  const other = call.options.find((o) => o.name !== "--dir" && o.name !== "--pol");
  if (other) return xl.untranslatable(`policy ${other.name} has no nft translation`);
  const pol = xl.get(call, "--pol")!.args[0];
  const word = pol === "ipsec" ? "exists" : "missing";
  return { nft: xl.get(call, "--dir")!.args[0] === "in" ? `meta secpath ${word}` : `rt ipsec ${word}` };
};
