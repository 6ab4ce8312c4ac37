// libxt_AUDIT: an audit record for the packet (accept, drop or reject).
import type { Extension } from "../types.js";
import { oneOf } from "../values.js";

export const AUDIT: Extension = {
  name: "AUDIT",
  kind: "target",
  xlate: () => ({ nft: "log level audit" }),
  options: [{ name: "--type", arity: 1, ...oneOf(new Map([["accept", "accept"], ["drop", "drop"], ["reject", "reject"]]), "audit type") }],
  checkCall: (options) => (options.length ? undefined : "needs --type accept, drop or reject"),
};
