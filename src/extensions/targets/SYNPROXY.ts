// libxt_SYNPROXY: answer SYNs with syncookies and open the connection to the server only after the handshake.
import type { Extension } from "../types.js";
import { uint } from "../values.js";

export const SYNPROXY: Extension = {
  name: "SYNPROXY",
  kind: "target",
  xlate: (call) => {
    if (call.options.some((o) => o.name === "--ecn")) return { untranslatable: "nft's synproxy has no ecn flag" };
    const words = ["synproxy"];
    for (const o of call.options) words.push(o.name === "--sack-perm" ? "sack-perm" : o.name.slice(2), ...o.args);
    return { nft: words.join(" ") };
  },
  options: [
    { name: "--sack-perm", arity: 0 },
    { name: "--timestamp", arity: 0 },
    { name: "--wscale", arity: 1, ...uint(14) },
    { name: "--mss", arity: 1, ...uint(65535) },
    { name: "--ecn", arity: 0 },
  ],
};
