// libxt_state: the conntrack state alone (the older spelling of `-m conntrack --ctstate`).
import type { Extension } from "../types.js";
import { flagList } from "../values.js";
import { allOptions, type CtState } from "../packet.js";
import * as xl from "../nft-text.js";

export const STATES = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED"] as const;

export const state: Extension = {
  name: "state",
  kind: "match",
  xlate: (call, ctx) => xlateState(call, ctx),
  options: [{ name: "--state", arity: 1, negatable: true, ...flagList(STATES, "connection state") }],
  checkCall: (options) => (options.some((o) => o.name === "--state") ? undefined : "needs --state"),
  constraint: (call) => allOptions(call.options, (_n, a) => ({ k: "ctstate", states: a[0]!.split(",").map((s) => s.toUpperCase() as CtState) })),
};

const xlateState: xl.XlateFn = (call) => {
  const o = xl.get(call, "--state")!;
  const order = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED"];
  const set = new Set(o.args[0]!.split(","));
  return { nft: `ct state ${o.neg ? "! " : ""}${order.filter((s) => set.has(s)).map((s) => s.toLowerCase()).join(",")}` };
};
