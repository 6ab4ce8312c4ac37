// libxt_cluster: a node's share of a cluster's connections (hash of the original source).
import type { Extension } from "../types.js";
import { uint, hexUint, exclusive, requireOne } from "../values.js";
import * as xl from "../nft-text.js";

export const cluster: Extension = {
  name: "cluster",
  kind: "match",
  xlate: (call) => xlateCluster(call),
  options: [
    { name: "--cluster-local-nodemask", arity: 1, negatable: true, ...hexUint() },
    { name: "--cluster-local-node", arity: 1, negatable: true, ...uint(32, 1) },
    { name: "--cluster-total-nodes", arity: 1, ...uint(32, 1) },
    { name: "--cluster-hash-seed", arity: 1, ...hexUint() },
  ],
  checkCall: (options) =>
    requireOne(options, ["--cluster-local-nodemask", "--cluster-local-node"]) ??
    exclusive(options, ["--cluster-local-nodemask", "--cluster-local-node"]) ??
    (options.some((o) => o.name === "--cluster-total-nodes") ? undefined : "needs --cluster-total-nodes"),
};

function xlateCluster(call: Parameters<xl.XlateFn>[0]): xl.XlateResult {
  const node = xl.get(call, "--cluster-local-node");
  const maskOpt = xl.get(call, "--cluster-local-nodemask");
  if ((node ?? maskOpt)!.neg) return xl.untranslatable("a negated cluster node test has no nft translation in dockwall");
  // xt_cluster matches when bit HASH of the node mask is set, HASH in [0, total)
  const mask = node ? 1 << (Number(node.args[0]) - 1) : Number(maskOpt!.args[0]);
  const bits: number[] = [];
  for (let b = 0; b < 32; b++) if (mask & (1 << b)) bits.push(b);
  const total = xl.get(call, "--cluster-total-nodes")!.args[0];
  const seed = `0x${Number(xl.get(call, "--cluster-hash-seed")?.args[0] ?? 0).toString(16).padStart(8, "0")}`;
  const hash = `jhash ct original saddr mod ${total} seed ${seed}`;
  const test = bits.length === 1 ? `eq ${bits[0]}` : `{ ${bits.join(", ")} }`;
  return {
    nft: `${hash} ${test} meta pkttype set host`,
    lossy: "xt_cluster hashes the master of a related connection and turns only multicast packets into host packets; nft hashes the connection itself and sets every matched packet to host",
  };
}
