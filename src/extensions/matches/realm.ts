// libxt_realm: the routing realm of the packet's route, `VALUE[/MASK]` in hex.
import type { Extension } from "../types.js";
import { markMask } from "../values.js";
import * as xl from "../nft-text.js";

export const realm: Extension = {
  name: "realm",
  kind: "match",
  xlate: (call, ctx) => xlateRealm(call, ctx),
  family: "ipv4",
  options: [{ name: "--realm", arity: 1, negatable: true, ...markMask }],
};

const xlateRealm: xl.XlateFn = (call) => {
  const o = xl.get(call, "--realm")!;
  const [v, mk] = o.args[0]!.split("/");
  return { nft: xl.maskedValue("rtclassid", Number(v), mk === undefined ? 0xffffffff : Number(mk), o.neg) };
};
