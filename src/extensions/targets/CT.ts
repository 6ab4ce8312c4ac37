// libxt_CT: conntrack settings for new connections (raw table): no tracking,
// a helper, events, zones, timeout policies.
import type { Extension } from "../types.js";
import { flagList, text, uint } from "../values.js";
import * as xl from "../nft-text.js";

const CT_EVENTS = ["new", "related", "destroy", "reply", "assured", "protoinfo", "helper", "mark", "natseqinfo", "secmark"];

export const CT: Extension = {
  name: "CT",
  kind: "target",
  xlate: (call, ctx) => xlateCt(call, ctx),
  options: [
    { name: "--notrack", arity: 0 },
    { name: "--helper", arity: 1, ...text(15, 1) },
    { name: "--timeout", arity: 1, ...text(31, 1) },
    { name: "--ctevents", arity: 1, ...flagList(CT_EVENTS, "conntrack event", { lower: true }) },
    { name: "--expevents", arity: 1, ...flagList(["new"], "expectation event", { lower: true }) },
    { name: "--zone-orig", arity: 1, ...uint(65535) },
    { name: "--zone-reply", arity: 1, ...uint(65535) },
    { name: "--zone", arity: 1, ...uint(65535) },
  ],
  effect: (call) => (call.options.some((o) => o.name === "--notrack") ? { k: "notrack" } : { k: "continue" }),
};

const xlateCt: xl.XlateFn = (call) => {
  if (call.options.length === 1 && xl.has(call, "--notrack")) return { nft: "notrack" };
  const zone = xl.get(call, "--zone");
  if (call.options.length === 1 && zone) return { nft: `ct zone set ${zone.args[0]}` };
  return xl.untranslatable("CT helpers, timeouts and events need nft ct objects dockwall does not create");
};
