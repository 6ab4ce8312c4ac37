// libxt_pkttype: link-layer packet type (unicast, broadcast, multicast).
import type { Extension } from "../types.js";
import { oneOf } from "../values.js";
import * as xl from "../nft-text.js";

const TYPES = new Map([
  ["unicast", "unicast"], ["host", "unicast"], ["broadcast", "broadcast"], ["multicast", "multicast"], ["otherhost", "otherhost"],
]);

export const pkttype: Extension = {
  name: "pkttype",
  kind: "match",
  xlate: (call, ctx) => xlatePkttype(call, ctx),
  options: [{ name: "--pkt-type", arity: 1, negatable: true, ...oneOf(TYPES, "packet type") }],
  checkCall: (options) => (options.length ? undefined : "needs --pkt-type"),
};

const xlatePkttype: xl.XlateFn = (call) => {
  const o = xl.get(call, "--pkt-type")!;
  const t = o.args[0] === "otherhost" ? "other" : o.args[0];
  return { nft: `pkttype ${xl.neq(o.neg)}${t}` };
};
