// libxt_connlabel: a conntrack label bit (numbers; names need /etc/xtables/connlabel.conf).
import type { Extension } from "../types.js";
import * as xl from "../nft-text.js";

export const connlabel: Extension = {
  name: "connlabel",
  kind: "match",
  xlate: (call) => xlateConnlabel(call),
  options: [
    { name: "--label", arity: 1, negatable: true, check: (a) => (a[0]!.length ? undefined : "needs a label") },
    { name: "--set", arity: 0 },
  ],
  checkCall: (options) => (options.some((o) => o.name === "--label") ? undefined : "needs --label"),
};

function xlateConnlabel(call: Parameters<xl.XlateFn>[0]): xl.XlateResult {
  const o = xl.get(call, "--label")!;
  const bit = o.args[0]!;
  if (!/^\d+$/.test(bit) || Number(bit) > 127) return xl.untranslatable(`label '${bit}' is a name; nft needs the bit number from the host's connlabel.conf`);
  if (!xl.has(call, "--set")) return { nft: `ct label ${xl.neq(o.neg)}${bit}` };
  return { nft: `ct label set ${bit} ct label and ${bit} ${o.neg ? "!=" : "=="} ${bit}` };
}
