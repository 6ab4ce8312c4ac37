// libxt_mark: the packet's fwmark, `VALUE[/MASK]`, printed in hex.
// libxt_connmark's match is the same module over the connection's mark, so both come from markMatch.
import type { Extension } from "../types.js";
import { markMask, parseMarkMask } from "../values.js";
import { allOptions, markConstraint } from "../packet.js";
import * as xl from "../nft-text.js";

export function markMatch(name: string, field: "mark" | "ctmark", nftExpr: string): Extension {
  const xlate: xl.XlateFn = (call) => {
    const o = xl.get(call, "--mark")!;
    const { value, mask } = parseMarkMask(o.args[0]!)!;
    return { nft: xl.maskedValue(nftExpr, value, mask, o.neg) };
  };
  return {
    name,
    kind: "match",
    xlate,
    options: [{ name: "--mark", arity: 1, negatable: true, ...markMask }],
    checkCall: (options) => (options.length ? undefined : "needs --mark"),
    constraint: (call) => allOptions(call.options, (_n, a) => markConstraint(field, parseMarkMask(a[0]!)!)),
  };
}

export const mark: Extension = markMatch("mark", "mark", "mark");
