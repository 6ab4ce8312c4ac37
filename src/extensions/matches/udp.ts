// libxt_udp: UDP ports. Loaded implicitly by `-p udp`.
import type { Extension } from "../types.js";
import { portRange } from "../values.js";

export const udp: Extension = {
  name: "udp",
  kind: "match",
  options: [
    { name: "--sport", aliases: ["--source-port"], arity: 1, negatable: true, ...portRange },
    { name: "--dport", aliases: ["--destination-port"], arity: 1, negatable: true, ...portRange },
  ],
};
