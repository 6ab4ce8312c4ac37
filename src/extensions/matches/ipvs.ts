// libxt_ipvs: whether (and how) IPVS handles the connection (kube-proxy in IPVS mode).
import type { Extension } from "../types.js";
import { cidrShortHost, oneOf, portRange, uint } from "../values.js";
import * as xl from "../nft-text.js";

export const ipvs: Extension = {
  name: "ipvs",
  kind: "match",
  xlate: (call, ctx) => xlateIpvs(call, ctx),
  options: [
    { name: "--ipvs", arity: 0, negatable: true },
    { name: "--vproto", arity: 1, negatable: true, ...uint(255) },
    { name: "--vaddr", arity: 1, negatable: true, ...cidrShortHost },
    { name: "--vport", arity: 1, negatable: true, ...portRange },
    { name: "--vdir", arity: 1, ...oneOf(new Map([["original", "ORIGINAL"], ["reply", "REPLY"]]), "direction") },
    { name: "--vmethod", arity: 1, negatable: true, ...oneOf(new Map([["gate", "GATE"], ["ipip", "IPIP"], ["masq", "MASQ"]]), "IPVS method") },
    { name: "--vportctl", arity: 1, negatable: true, ...portRange },
  ],
};

const xlateIpvs: xl.XlateFn = () => xl.untranslatable("nft cannot see IPVS state");
