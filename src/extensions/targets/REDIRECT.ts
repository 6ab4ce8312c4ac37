// libxt_REDIRECT: DNAT to the host itself (the incoming interface's address).
import type { Extension } from "../types.js";
import { portSpan } from "./nat-range.js";
import * as xl from "../nft-text.js";
import * as nat from "./nat-xlate.js";
import { parsePortSpan } from "./nat-range.js";

export const REDIRECT: Extension = {
  name: "REDIRECT",
  kind: "target",
  xlate: (call, ctx) => xlateRedirect(call, ctx),
  options: [
    { name: "--to-ports", arity: 1, ...portSpan },
    { name: "--random", arity: 0 },
  ],
  effect: (call) => {
    const to = call.options.find((o) => o.name === "--to-ports");
    const ports = to ? parsePortSpan(to.args[0]!) : undefined;
    return { k: "nat", kind: "REDIRECT", ...(Array.isArray(ports) ? { port: ports } : {}) };
  },
};

const xlateRedirect: xl.XlateFn = (call, ctx) => nat.xlatePortsTo("redirect", call, ctx);
