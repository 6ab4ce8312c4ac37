// libxt_NFLOG: send the packet to a netlink log group (ulogd, firewalld logging).
// With the nf_tables backend `--nflog-range` is ignored (it never worked) and is not printed.
import type { Extension } from "../types.js";
import { text, uint } from "../values.js";
import * as xl from "../nft-text.js";

export const NFLOG: Extension = {
  name: "NFLOG",
  kind: "target",
  xlate: (call, ctx) => xlateNflog(call, ctx),
  options: [
    { name: "--nflog-prefix", arity: 1, quote: true, ...text(63, 1) },
    { name: "--nflog-group", arity: 1, ...uint(65535) },
    { name: "--nflog-size", arity: 1, ...uint() },
    { name: "--nflog-range", arity: 1, ...uint() },
    { name: "--nflog-threshold", arity: 1, ...uint(65535) },
  ],
  normalize: (options) =>
    options.filter(
      (o) => o.name !== "--nflog-range" && !(o.name === "--nflog-group" && o.args[0] === "0") && !(o.name === "--nflog-threshold" && o.args[0] === "0"),
    ),
};

const xlateNflog: xl.XlateFn = (call) => {
  const parts = ["log"];
  const prefix = xl.get(call, "--nflog-prefix");
  if (prefix) {
    const q = xl.nftQuote(prefix.args[0]!);
    if (!q) return xl.untranslatable("the log prefix holds a '\"'");
    parts.push(`prefix ${q}`);
  }
  const size = xl.get(call, "--nflog-size");
  if (size) parts.push(`snaplen ${size.args[0]}`);
  const th = xl.get(call, "--nflog-threshold");
  if (th) parts.push(`queue-threshold ${th.args[0]}`);
  parts.push(`group ${xl.get(call, "--nflog-group")?.args[0] ?? "0"}`);
  return xl.join(parts);
};
