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
  const v = parseIPv4Number(text);
  return v < 0 ? undefined : BigInt(v);
}

/** Dotted-quad text (up to `end`) to its value as a plain number, or -1; no BigInt on the hot path. */
export function parseIPv4Number(text: string, end = text.length): number {
  const n = end;
  let v = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46 /* . */ && digits > 0 && ++dots <= 3) {
      v = v * 256 + octet;
      octet = 0;
      digits = 0;
    } else return -1;
  }
  return digits === 0 || dots !== 3 ? -1 : v * 256 + octet;
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
  return ipv4Text(Number(v & 0xffffffffn));
}

function ipv4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** RFC 5952 text, as glibc's inet_ntop prints it (including ::ffff:a.b.c.d). */
export function formatIPv6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // glibc prints IPv4-mapped and IPv4-compatible addresses with a dotted tail.
  // (inet_ntop: only when the leading zero run is exactly six words, or five then ffff: ::2d01 stays hex)
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || (g[5] === 0 && g[6]! !== 0))) {
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

const MASK4: readonly bigint[] = Array.from({ length: 33 }, (_, p) => BigInt(p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0));

export function maskOfPrefix(prefix: number, family: Family): bigint {
  if (family === "ipv4" && prefix >= 0 && prefix <= 32) return MASK4[prefix]!;
  const bits = BigInt(ADDR_BITS[family]);
  const all = (1n << bits) - 1n;
  return prefix === 0 ? 0n : (all << (bits - BigInt(prefix))) & all;
}

/** Prefix length of a contiguous mask, or null when the mask has holes. */
export function prefixOfMask(mask: bigint, family: Family): number | null {
  const bits = ADDR_BITS[family];
  if (bits === 32) {
    // contiguous when the inverted mask is 2^k - 1
    const m = Number(mask & 0xffffffffn);
    const inv = ~m >>> 0;
    return (inv & (inv + 1)) === 0 ? 32 - Math.log2(inv + 1) : null;
  }
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

/** Dotted masks by prefix length, /0 to /32. */
const MASK4_TEXT: readonly string[] = Array.from({ length: 33 }, (_, p) => formatIPv4(maskOfPrefix(p, "ipv4")));

/**
 * The parser's fast path for IPv4 `A[/N]`: the same result as parseCidr with
 * formatAddr, in plain numbers (a dump has one or two addresses per rule, and
 * BigInt arithmetic was a third of the parse time). Returns undefined for
 * anything else (masks, bad input), which then takes the general path.
 */
export function parseCidr4(text: string): { addr: string; prefix: number; mask: string } | undefined {
  const n = text.length;
  const slash = text.indexOf("/");
  const v = parseIPv4Number(text, slash < 0 ? n : slash);
  if (v < 0) return undefined;
  let prefix = 32;
  if (slash >= 0) {
    if (slash + 1 === n || n - slash > 3) return undefined;
    prefix = 0;
    for (let j = slash + 1; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c < 48 || c > 57) return undefined;
      prefix = prefix * 10 + (c - 48);
    }
    if (prefix > 32) return undefined;
  }
  // >>> 0 keeps the bit operations unsigned
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (v & mask) >>> 0;
  // most dumps write addresses canonically already: their own text is the answer, without building a new one
  const end = slash < 0 ? n : slash;
  const addr = net === v && !hasLeadingZero(text, end) ? (slash < 0 ? text : text.slice(0, slash)) : ipv4Text(net);
  return { addr, prefix, mask: MASK4_TEXT[prefix]! };
}

/** A dotted quad (up to `end`) with an octet like `010`, which the canonical text prints as `10`. */
function hasLeadingZero(text: string, end: number): boolean {
  for (let i = 0; i + 1 < end; i++) {
    if (text.charCodeAt(i) === 48 && (i === 0 || text.charCodeAt(i - 1) === 46) && text.charCodeAt(i + 1) !== 46) return true;
  }
  return false;
}
