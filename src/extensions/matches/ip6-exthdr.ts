// The IPv6 extension header matches hbh, dst, rt and mh share one shape: a
// length or type test per header, or only "the header is there".
import type { Extension, ExtOptionSpec } from "../types.js";
import * as xl from "../nft-text.js";

/** `--X-len N` style test: nft `KEY hdrlength N`. */
export function exthdrXlate(hdr: string, tests: readonly [option: string, field: string][], unsupported: readonly string[] = []): xl.XlateFn {
  return (call) => {
    const bad = call.options.find((o) => unsupported.includes(o.name));
    if (bad) return xl.untranslatable(`${bad.name} has no nft translation in dockwall`);
    const parts: string[] = [];
    for (const [opt, field] of tests) {
      const o = xl.get(call, opt);
      if (o) parts.push(`${hdr} ${field} ${xl.neq(o.neg)}${xl.colonRange(o.args[0]!)}`);
    }
    return parts.length ? xl.join(parts) : { nft: `exthdr ${hdr} exists` };
  };
}

export function optionsHeader(name: "hbh" | "dst"): Extension {
  const options: ExtOptionSpec[] = [
    { name: `--${name}-len`, arity: 1, negatable: true, check: (a) => (/^\d+$/.test(a[0]!) ? undefined : `'${a[0]}' is not a length`) },
    { name: `--${name}-opts`, arity: 1, check: (a) => (/^\d+(:\d+)?(,\d+(:\d+)?)*$/.test(a[0]!) ? undefined : `'${a[0]}' is not TYPE[:LEN][,TYPE[:LEN]...]`) },
  ];
  return { name, kind: "match", family: "ipv6", options, xlate: (call, ctx) => exthdrXlate(name, [[`--${name}-len`, "hdrlength"]], [`--${name}-opts`])(call, ctx) };
}
