// libxt_cgroup: the local socket's cgroup (v1 classid or v2 path).
import type { Extension } from "../types.js";
import { exclusive, requireOne, text, uint } from "../values.js";
import * as xl from "../nft-text.js";

export const cgroup: Extension = {
  name: "cgroup",
  kind: "match",
  xlate: (call, ctx) => xlateCgroup(call, ctx),
  options: [
    { name: "--path", arity: 1, negatable: true, ...text(4095, 1) },
    { name: "--cgroup", arity: 1, negatable: true, ...uint() },
  ],
  checkCall: (options) => requireOne(options, ["--path", "--cgroup"]) ?? exclusive(options, ["--path", "--cgroup"]),
};

const xlateCgroup: xl.XlateFn = (call) => {
  if (xl.has(call, "--path")) return xl.untranslatable("--path (cgroup v2) has no exact nft equivalent");
  const o = xl.get(call, "--cgroup")!;
  return { nft: `meta cgroup ${xl.neq(o.neg)}${o.args[0]}` };
};
