// libxt_TPROXY: deliver to a local transparent-proxy socket without rewriting the packet (mangle PREROUTING).
import type { Extension } from "../types.js";
import { markMask, plainAddr, uint } from "../values.js";
import * as xl from "../nft-text.js";

export const TPROXY: Extension = {
  name: "TPROXY",
  kind: "target",
  xlate: (call, ctx) => xlateTproxy(call, ctx),
  options: [
    { name: "--on-port", arity: 1, ...uint(65535) },
    { name: "--on-ip", arity: 1, ...plainAddr },
    { name: "--tproxy-mark", arity: 1, ...markMask },
  ],
  checkCall: (options) => (options.some((o) => o.name === "--on-port") ? undefined : "needs --on-port"),
};

const xlateTproxy: xl.XlateFn = (call, ctx) => {
  const port = xl.get(call, "--on-port")!.args[0]!;
  const ip = xl.get(call, "--on-ip")?.args[0];
  let to: string;
  if (!ip) to = `:${port}`;
  else if (port === "0") to = ip;
  else to = ctx.family === "ipv6" ? `[${ip}]:${port}` : `${ip}:${port}`;
  const parts = [`tproxy ${xl.inetQualifier(ctx)}to ${to}`];
  const mark = xl.get(call, "--tproxy-mark");
  if (mark) {
    const [v, mk] = mark.args[0]!.split("/").map(Number);
    const m = mk ?? 0xffffffff;
    parts.push(m === 0xffffffff ? `meta mark set ${xl.hex(v!)}` : `meta mark set meta mark & ${xl.hex(~m >>> 0)} xor ${xl.hex(v!)}`);
  }
  parts.push("accept");
  return { nft: parts.join(" "), lossy: "TPROXY drops a packet no proxy socket takes; nft's tproxy lets it go on to the next rule" };
};
