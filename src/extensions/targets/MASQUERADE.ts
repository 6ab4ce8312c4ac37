// libxt_MASQUERADE: SNAT to the outgoing interface's address.
import type { Extension } from "../types.js";
import { portSpan } from "./nat-range.js";
import { parsePortSpan, randomFlag } from "./nat-range.js";
import * as xl from "../nft-text.js";
import * as nat from "./nat-xlate.js";

export const MASQUERADE: Extension = {
  name: "MASQUERADE",
  kind: "target",
  xlate: (call, ctx) => xlateMasquerade(call, ctx),
  options: [
    { name: "--to-ports", arity: 1, ...portSpan },
    { name: "--random", arity: 0 },
    { name: "--random-fully", arity: 0 },
  ],
  effect: (call) => {
    const to = call.options.find((o) => o.name === "--to-ports");
    const ports = to ? parsePortSpan(to.args[0]!) : undefined;
    return { k: "nat", kind: "MASQUERADE", ...(Array.isArray(ports) ? { port: ports } : {}), ...randomFlag(call.options) };
  },
};

const xlateMasquerade: xl.XlateFn = (call, ctx) => nat.xlatePortsTo("masquerade", call, ctx);
