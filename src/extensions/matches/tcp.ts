// libxt_tcp: TCP ports, flags and options. Loaded implicitly by `-p tcp`.
import type { Extension } from "../types.js";
import { flagList, portRange, uint } from "../values.js";

export const TCP_FLAGS = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"] as const;
const flags = flagList([...TCP_FLAGS, "ALL", "NONE"], "TCP flag");

export const tcp: Extension = {
  name: "tcp",
  kind: "match",
  options: [
    { name: "--sport", aliases: ["--source-port"], arity: 1, negatable: true, ...portRange },
    { name: "--dport", aliases: ["--destination-port"], arity: 1, negatable: true, ...portRange },
    { name: "--tcp-option", arity: 1, negatable: true, ...uint(255) },
    {
      name: "--tcp-flags",
      arity: 2,
      negatable: true,
      check: (a) => flags.check([a[0]!]) ?? flags.check([a[1]!]),
      canon: (a) => [flags.canon([a[0]!])[0]!, flags.canon([a[1]!])[0]!],
    },
    { name: "--syn", arity: 0, negatable: true },
  ],
};
