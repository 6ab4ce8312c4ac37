// The `ADDR[-ADDR][:PORT[-PORT]]` range shared by DNAT, SNAT and (ports only) REDIRECT/MASQUERADE.
// IPv6 addresses carry brackets when a port follows: `[fd00::2]:80`.
import type { Family } from "../../syntax/ast.js";
import { parseAddr } from "../../syntax/inet.js";
import { parsePort } from "../values.js";

export interface NatRange {
  /** Absent for `:53` (port only). */
  minAddr?: bigint;
  maxAddr?: bigint;
  minPort?: number;
  maxPort?: number;
}

export function parseNatRange(text: string, family: Family): NatRange | string {
  let addrPart = text;
  let portPart: string | undefined;
  if (family === "ipv6") {
    const m = /^\[([^\]]*)\](?::(.+))?$/.exec(text);
    if (m) {
      addrPart = m[1]!;
      portPart = m[2];
    } else if (text.startsWith(":") && !text.includes("::") && /^:\d/.test(text)) {
      addrPart = "";
      portPart = text.slice(1);
    }
  } else {
    const c = text.indexOf(":");
    if (c >= 0) {
      addrPart = text.slice(0, c);
      portPart = text.slice(c + 1);
    }
  }
  const r: NatRange = {};
  if (addrPart !== "") {
    const [lo, hi] = addrPart.split("-");
    const a = parseAddr(lo!, family);
    const b = hi === undefined ? a : parseAddr(hi, family);
    if (a === undefined || b === undefined) return `'${addrPart}' is not an address or address range`;
    if (b < a) return `address range '${addrPart}' is reversed`;
    r.minAddr = a;
    r.maxAddr = b;
  }
  if (portPart !== undefined) {
    const [lo, hi] = portPart.split("-");
    const a = parsePort(lo!);
    const b = hi === undefined ? a : parsePort(hi);
    if (a === undefined || b === undefined) return `'${portPart}' is not a port or port range`;
    if (b < a) return `port range '${portPart}' is reversed`;
    r.minPort = a;
    r.maxPort = b;
  }
  if (r.minAddr === undefined && r.minPort === undefined) return "needs an address or a port";
  return r;
}
