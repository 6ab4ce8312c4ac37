// The `ADDR[-ADDR][:PORT[-PORT][/BASE]]` range shared by DNAT and SNAT, and the
// port-only `PORT[-PORT]` of REDIRECT and MASQUERADE. IPv6 addresses carry
// brackets when a port follows: `[fd00::2]:80`.
import type { Family } from "../../syntax/ast.js";
import { formatAddr, parseAddr } from "../../syntax/inet.js";
import { parsePort, type ValueType } from "../values.js";
import type { Effect } from "../packet.js";

export interface NatRange {
  /** Absent for `:53` (port only). */
  minAddr?: bigint;
  maxAddr?: bigint;
  minPort?: number;
  maxPort?: number;
  /** DNAT's `/BASE`: ports are shifted relative to this one. */
  basePort?: number;
}

export function parsePortSpan(text: string, sep = "-"): [number, number] | string {
  const [lo, hi, extra] = text.split(sep);
  const a = parsePort(lo!);
  const b = hi === undefined ? a : parsePort(hi);
  if (a === undefined || b === undefined || extra !== undefined) return `'${text}' is not a port or port range`;
  if (b < a) return `port range '${text}' is reversed`;
  return [a, b];
}

export function parseNatRange(text: string, family: Family): NatRange | string {
  let addrPart = text;
  let portPart: string | undefined;
  if (family === "ipv6") {
    const m = /^\[([^\]]*)\](?::(.+))?$/.exec(text);
    if (m) {
      addrPart = m[1]!;
      portPart = m[2];
    } else if (/^:\d/.test(text) && !text.includes("::")) {
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
    const [lo, hi, extra] = addrPart.split("-");
    const a = parseAddr(lo!, family);
    const b = hi === undefined ? a : parseAddr(hi, family);
    if (a === undefined || b === undefined || extra !== undefined) return `'${addrPart}' is not an address or address range`;
    if (b < a) return `address range '${addrPart}' is reversed`;
    r.minAddr = a;
    r.maxAddr = b;
  }
  if (portPart !== undefined) {
    const [ports, base, extra] = portPart.split("/");
    const p = parsePortSpan(ports!);
    if (typeof p === "string") return p;
    [r.minPort, r.maxPort] = p;
    if (base !== undefined) {
      const b = parsePort(base);
      if (b === undefined || extra !== undefined) return `'${base}' is not a base port`;
      r.basePort = b;
    }
  }
  if (r.minAddr === undefined && r.minPort === undefined) return "needs an address or a port";
  return r;
}

/** The range as iptables-save prints it. */
export function formatNatRange(r: NatRange, family: Family): string {
  let s = "";
  if (r.minAddr !== undefined) {
    s = formatAddr(r.minAddr, family);
    if (r.maxAddr !== undefined && r.maxAddr !== r.minAddr) s += `-${formatAddr(r.maxAddr, family)}`;
    if (family === "ipv6" && r.minPort !== undefined) s = `[${s}]`;
  }
  if (r.minPort !== undefined) {
    s += `:${r.minPort}`;
    if (r.maxPort !== undefined && r.maxPort !== r.minPort) s += `-${r.maxPort}`;
    if (r.basePort !== undefined) s += `/${r.basePort}`;
  }
  return s;
}

export const natRange: ValueType = {
  check: (a, f) => {
    const r = parseNatRange(a[0]!, f);
    return typeof r === "string" ? r : undefined;
  },
  canon: (a, f) => [formatNatRange(parseNatRange(a[0]!, f) as NatRange, f)],
};

export const portSpan: ValueType = {
  check: (a) => {
    const r = parsePortSpan(a[0]!);
    return typeof r === "string" ? r : undefined;
  },
  canon: (a) => {
    const [lo, hi] = parsePortSpan(a[0]!) as [number, number];
    return [lo === hi ? String(lo) : `${lo}-${hi}`];
  },
};

/** The nat Effect of `--to-destination` / `--to-source` (several of them, or a /BASE shift, are a choice the kernel makes). */
export function natEffect(kind: "DNAT" | "SNAT", options: readonly { name: string; args: string[] }[], family: Family): Effect {
  const tos = options.filter((o) => o.name === "--to-destination" || o.name === "--to-source");
  const r = tos.length === 1 ? parseNatRange(tos[0]!.args[0]!, family) : undefined;
  if (!r || typeof r === "string" || r.basePort !== undefined) return { k: "undecided", module: `${kind} with several ranges` };
  return {
    k: "nat",
    kind,
    ...(r.minAddr !== undefined ? { addr: [r.minAddr, r.maxAddr!] as const } : {}),
    ...(r.minPort !== undefined ? { port: [r.minPort, r.maxPort!] as const } : {}),
    ...randomFlag(options),
  };
}

/** `--random-fully` or `--random` when given (the former wins: it is the stronger promise). */
export function randomFlag(options: readonly { name: string }[]): { random?: "--random" | "--random-fully" } {
  if (options.some((o) => o.name === "--random-fully")) return { random: "--random-fully" };
  if (options.some((o) => o.name === "--random")) return { random: "--random" };
  return {};
}
