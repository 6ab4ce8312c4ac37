// libxt_NFQUEUE: hand the packet to a userspace queue (IPS, suricata).
// iptables-save always prints the queue (`--queue-num 0` by default).
import type { Extension } from "../types.js";
import { exclusive, getOpt, implied, numRange, uint } from "../values.js";
import * as xl from "../nft-text.js";

export const NFQUEUE: Extension = {
  name: "NFQUEUE",
  kind: "target",
  xlate: (call, ctx) => xlateNfqueue(call, ctx),
  options: [
    { name: "--queue-num", arity: 1, ...uint(65535) },
    { name: "--queue-balance", arity: 1, ...numRange(65535, "queue number") },
    { name: "--queue-bypass", arity: 0 },
    { name: "--queue-cpu-fanout", arity: 0 },
  ],
  checkCall: (options) =>
    exclusive(options, ["--queue-num", "--queue-balance"]) ??
    (options.some((o) => o.name === "--queue-cpu-fanout") && !options.some((o) => o.name === "--queue-balance")
      ? "--queue-cpu-fanout needs --queue-balance"
      : undefined),
  normalize(options, _f, span) {
    if (getOpt(options, "--queue-num") || getOpt(options, "--queue-balance")) return options;
    return [implied("--queue-num", ["0"], span), ...options];
  },
};

const xlateNfqueue: xl.XlateFn = (call) => {
  const num = xl.get(call, "--queue-balance")?.args[0] ?? xl.get(call, "--queue-num")?.args[0] ?? "0";
  const flags = [xl.has(call, "--queue-bypass") && "bypass", xl.has(call, "--queue-cpu-fanout") && "fanout"].filter(Boolean);
  return { nft: `queue num ${xl.colonRange(num)}${flags.length ? ` ${flags.join(",")}` : ""}` };
};
