// libxt_socket: an open local socket exists for the packet (TPROXY setups).
import type { Extension } from "../types.js";
import * as xl from "../nft-text.js";

export const socket: Extension = {
  name: "socket",
  kind: "match",
  xlate: (call, ctx) => xlateSocket(call, ctx),
  options: [
    { name: "--transparent", arity: 0 },
    { name: "--nowildcard", arity: 0 },
    { name: "--restore-skmark", arity: 0 },
  ],
};

const xlateSocket: xl.XlateFn = (call) => {
  const parts: string[] = [];
  const nowild = xl.has(call, "--nowildcard");
  const transparent = xl.has(call, "--transparent");
  if (!nowild && !transparent) parts.push("socket wildcard 0");
  else if (nowild && !transparent) parts.push("socket wildcard le 1");
  else if (!nowild) parts.push("socket wildcard 0", "socket transparent 1");
  else parts.push("socket transparent 1");
  if (xl.has(call, "--restore-skmark")) parts.push("meta mark set socket mark");
  return xl.join(parts);
};
