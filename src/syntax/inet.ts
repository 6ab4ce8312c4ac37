// IPv4/IPv6 address arithmetic on bigints, shared by the parser, the extensions
// and the engine. Formatting follows inet_ntop, which is what iptables-save prints.
import type { Family } from "./ast.js";

export const ADDR_BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };

export function familyOfAddr(text: string): Family | undefined {
  if (parseIPv4(text) !== undefined) return "ipv4";
  if (parseIPv6(text) !== undefined) return "ipv6";
  return undefined;
}

export function parseIPv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

export function parseIPv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(":")) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tailV4 = parseIPv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const dbl = head.split("::");
  if (dbl.length > 2) return undefined;
  const left = dbl[0] ? dbl[0].split(":") : [];
  const right = dbl.length === 2 && dbl[1] ? dbl[1].split(":") : [];
  const groups = dbl.length === 2 ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  if (groups.length !== 8 || (dbl.length === 2 && left.length + right.length > 7)) return undefined;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

export function parseAddr(text: string, family: Family): bigint | undefined {
  return family === "ipv4" ? parseIPv4(text) : parseIPv6(text);
}

export function formatIPv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join(".");
}

/** RFC 5952 text, as glibc's inet_ntop prints it (including ::ffff:a.b.c.d). */
export function formatIPv6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // glibc prints IPv4-mapped and IPv4-compatible addresses with a dotted tail.
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || (g[5] === 0 && (g[6]! !== 0 || g[7]! > 1)))) {
    return (g[5] === 0xffff ? "::ffff:" : "::") + formatIPv4(v & 0xffffffffn);
  }
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(":");
  return hex.slice(0, bestStart).join(":") + "::" + hex.slice(bestStart + bestLen).join(":");
}

export function formatAddr(v: bigint, family: Family): string {
  return family === "ipv4" ? formatIPv4(v) : formatIPv6(v);
}

export function maskOfPrefix(prefix: number, family: Family): bigint {
  const bits = BigInt(ADDR_BITS[family]);
  const all = (1n << bits) - 1n;
  return prefix === 0 ? 0n : (all << (bits - BigInt(prefix))) & all;
}

/** Prefix length of a contiguous mask, or null when the mask has holes. */
export function prefixOfMask(mask: bigint, family: Family): number | null {
  const bits = ADDR_BITS[family];
  let n = 0;
  while (n < bits && ((mask >> BigInt(bits - 1 - n)) & 1n) === 1n) n++;
  return maskOfPrefix(n, family) === mask ? n : null;
}

export interface Cidr {
  addr: bigint;
  mask: bigint;
  prefix: number | null;
}

/** Parses `A`, `A/N` or `A/MASK`; the host bits are cleared as the kernel does. */
export function parseCidr(text: string, family: Family): Cidr | string {
  const slash = text.indexOf("/");
  const a = slash < 0 ? text : text.slice(0, slash);
  const addr = parseAddr(a, family);
  if (addr === undefined) return `'${a}' is not an ${family === "ipv4" ? "IPv4" : "IPv6"} address`;
  const bits = ADDR_BITS[family];
  let mask: bigint;
  if (slash < 0) mask = maskOfPrefix(bits, family);
  else {
    const m = text.slice(slash + 1);
    if (/^\d+$/.test(m)) {
      const n = Number(m);
      if (n > bits) return `prefix /${m} is longer than ${bits} bits`;
      mask = maskOfPrefix(n, family);
    } else {
      const mv = parseAddr(m, family);
      if (mv === undefined) return `'${m}' is not a prefix length or a mask`;
      mask = mv;
    }
  }
  return { addr: addr & mask, mask, prefix: prefixOfMask(mask, family) };
}
