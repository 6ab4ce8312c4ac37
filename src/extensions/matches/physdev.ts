// libxt_physdev: the bridge port a bridged packet entered or leaves by
// (needs br_netfilter; Docker and Kubernetes hosts often have it).
import type { Extension } from "../types.js";
import { ifaceName } from "../values.js";
import * as xl from "../nft-text.js";

export const physdev: Extension = {
  name: "physdev",
  kind: "match",
  xlate: (call, ctx) => xlatePhysdev(call, ctx),
  options: [
    { name: "--physdev-in", arity: 1, negatable: true, ...ifaceName },
    { name: "--physdev-out", arity: 1, negatable: true, ...ifaceName },
    { name: "--physdev-is-in", arity: 0, negatable: true },
    { name: "--physdev-is-out", arity: 0, negatable: true },
    { name: "--physdev-is-bridged", arity: 0, negatable: true },
  ],
  checkCall: (options) => (options.length ? undefined : "needs at least one --physdev-* option"),
};

const xlatePhysdev: xl.XlateFn = () => xl.untranslatable("bridge port matches need an nft bridge-family table");
