// Value types shared by the modules' option specs: checks, canonical forms, and
// the helpers each module's `normalize` uses to rewrite a call into the form
// iptables-save (nf_tables, 1.8.9) prints. Every canonical form here was learnt
// by restoring rules into a kernel and reading them back (test/kernel/roundtrip).
import type { Family, OptionValue, Span } from "../syntax/ast.js";
import { formatAddr, parseAddr, parseCidr } from "../syntax/inet.js";

/** Well-known service names that iptables resolves through /etc/services. */
export const SERVICES: ReadonlyMap<string, number> = new Map([
  ["ftp-data", 20], ["ftp", 21], ["ssh", 22], ["telnet", 23], ["smtp", 25], ["domain", 53], ["dns", 53],
  ["bootps", 67], ["bootpc", 68], ["tftp", 69], ["http", 80], ["www", 80], ["kerberos", 88], ["pop3", 110],
  ["sunrpc", 111], ["ntp", 123], ["netbios-ns", 137], ["netbios-dgm", 138], ["netbios-ssn", 139], ["imap", 143],
  ["imap2", 143], ["snmp", 161], ["snmp-trap", 162], ["ldap", 389], ["https", 443], ["microsoft-ds", 445],
  ["isakmp", 500], ["syslog", 514], ["submission", 587], ["ldaps", 636], ["rsync", 873], ["imaps", 993],
  ["pop3s", 995], ["openvpn", 1194], ["ms-sql-s", 1433], ["mysql", 3306], ["postgresql", 5432], ["ipsec-nat-t", 4500],
  ["redis", 6379], ["http-alt", 8080], ["webcache", 8080],
]);

export type Check = (args: string[], family: Family) => string | undefined;
export type Canon = (args: string[], family: Family) => string[];
/** The value-related part of an OptionSpec, spread into each option. */
export interface ValueType {
  check: Check;
  canon?: Canon;
}

export function parseUInt(text: string, max = 0xffffffff): number | undefined {
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isFinite(n) && n <= max ? n : undefined;
}

export function parsePort(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 65535 ? n : undefined;
  }
  return SERVICES.get(text.toLowerCase());
}

/**
 * `N`, `N:M`, `:M` or `N:` with open ends filled in (0 and `max`); returns [lo, hi],
 * or a message. A reversed range is an error, as in iptables ("min > max").
 */
function parseRange(text: string, one: (t: string) => number | undefined, max: number, sep = ":"): [number, number] | string {
  const c = text.indexOf(sep);
  if (c < 0) {
    const p = one(text);
    return p === undefined ? `'${text}' is not valid` : [p, p];
  }
  const lo = c === 0 ? 0 : one(text.slice(0, c));
  const hi = c === text.length - 1 ? max : one(text.slice(c + 1));
  if (lo === undefined || hi === undefined) return `'${text}' is not valid`;
  if (lo > hi) return `range '${text}' is reversed (${lo} > ${hi})`;
  return [lo, hi];
}

export function parsePortRange(text: string): [number, number] | undefined {
  const r = parseRange(text, parsePort, 65535);
  return typeof r === "string" ? undefined : r;
}

export function formatRange([lo, hi]: [number, number], sep = ":"): string {
  return lo === hi ? String(lo) : `${lo}${sep}${hi}`;
}
export const formatPortRange = (r: [number, number]) => formatRange(r);

export const portRange: ValueType = {
  check: (a) => {
    const r = parseRange(a[0]!, parsePort, 65535);
    return typeof r === "string" ? (r.includes("reversed") ? `port ${r}` : `'${a[0]}' is not a port or port range`) : undefined;
  },
  canon: (a) => [formatPortRange(parsePortRange(a[0]!)!)],
};

/** A number `N` or range `N:M` up to `max`, printed as `N` or `N:M` (open ends filled in). */
export function numRange(max: number, what = "number", sep = ":"): ValueType {
  const one = (t: string) => parseUInt(t, max);
  return {
    check: (a) => {
      const r = parseRange(a[0]!, one, max, sep);
      return typeof r === "string" ? (r.includes("reversed") ? r : `'${a[0]}' is not a ${what} or ${what} range (0-${max})`) : undefined;
    },
    canon: (a) => [formatRange(parseRange(a[0]!, one, max, sep) as [number, number], sep)],
  };
}

/** A plain number within [min, max], printed in decimal. */
export function uint(max = 0xffffffff, min = 0): ValueType {
  return {
    check: (a) => {
      const n = parseUInt(a[0]!, max);
      return n !== undefined && n >= min ? undefined : `'${a[0]}' is not a number from ${min} to ${max}`;
    },
    canon: (a) => [String(parseUInt(a[0]!, max))],
  };
}

/** A number printed in hex (`0x1f`), as marks, realms and SPIs with masks are. */
export function hexUint(max = 0xffffffff): ValueType {
  return {
    check: (a) => (parseUInt(a[0]!, max) !== undefined ? undefined : `'${a[0]}' is not a number up to ${max}`),
    canon: (a) => [`0x${parseUInt(a[0]!, max)!.toString(16)}`],
  };
}

/** `VALUE[/MASK]` as used by mark, connmark and MARK. */
export function parseMarkMask(text: string): { value: number; mask: number } | undefined {
  const parts = text.split("/");
  if (parts.length > 2) return undefined;
  const value = parseUInt(parts[0]!);
  const mask = parts[1] === undefined ? 0xffffffff : parseUInt(parts[1]);
  return value === undefined || mask === undefined ? undefined : { value, mask };
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** Match form: the mask is left out when it is all ones. */
export function formatMarkMask({ value, mask }: { value: number; mask: number }): string {
  return mask === 0xffffffff ? hex(value) : `${hex(value)}/${hex(mask)}`;
}

/** Target form (`--set-xmark`): the mask is always printed. */
export function formatXMark({ value, mask }: { value: number; mask: number }): string {
  return `${hex(value)}/${hex(mask)}`;
}

export const markMask: ValueType = {
  check: (a) => (parseMarkMask(a[0]!) ? undefined : `'${a[0]}' is not VALUE[/MASK] (numbers up to 0xffffffff)`),
  canon: (a) => [formatMarkMask(parseMarkMask(a[0]!)!)],
};

export function addrCheck(a: string[], family: Family): string | undefined {
  const c = parseCidr(a[0]!, family);
  return typeof c === "string" ? c : undefined;
}

/** `ADDR/PREFIX` (or `ADDR/MASK` for a non-contiguous mask), host bits cleared. */
export function canonCidr(text: string, family: Family): string {
  const c = parseCidr(text, family);
  if (typeof c === "string") return text;
  const addr = formatAddr(c.addr, family);
  return `${addr}/${c.prefix ?? formatAddr(c.mask, family)}`;
}

/**
 * An address with optional prefix, as conntrack and policy store it: the host
 * bits are kept, and the prefix is printed only when it is not a full host mask.
 */
export const cidrShortHost: ValueType = {
  check: addrCheck,
  canon: (a, family) => {
    const c = parseCidr(a[0]!, family);
    if (typeof c === "string") return a;
    const addr = formatAddr(parseAddr(a[0]!.split("/")[0]!, family)!, family);
    const full = family === "ipv4" ? 32 : 128;
    return [c.prefix === full ? addr : `${addr}/${c.prefix ?? formatAddr(c.mask, family)}`];
  },
};

/** A plain address (no prefix), printed in canonical form. */
export const plainAddr: ValueType = {
  check: (a, family) => (a[0]!.includes("/") ? `'${a[0]}' must be an address without a prefix` : addrCheck(a, family)),
  canon: (a, family) => {
    const c = parseCidr(a[0]!, family);
    return typeof c === "string" ? a : [formatAddr(c.addr, family)];
  },
};

/**
 * A comma-separated list from a fixed vocabulary, printed in the vocabulary's
 * order (the bit order iptables uses). `caseInsensitive` upper-cases input words.
 */
export function flagList(vocab: readonly string[], what: string, opts: { aliases?: ReadonlyMap<string, string>; lower?: boolean } = {}): ValueType {
  const norm = (w: string) => {
    const k = opts.lower ? w.toLowerCase() : w.toUpperCase();
    return opts.aliases?.get(k) ?? k;
  };
  return {
    check: (a) => {
      for (const w of a[0]!.split(",")) if (!vocab.includes(norm(w))) return `'${w}' is not a ${what} (expected ${vocab.join(", ")})`;
      return undefined;
    },
    canon: (a) => {
      const set = new Set(a[0]!.split(",").map(norm));
      return [vocab.filter((v) => set.has(v)).join(",")];
    },
  };
}

/** One word from a fixed vocabulary (case-insensitive); `canonical` maps each accepted word to the printed one. */
export function oneOf(canonical: ReadonlyMap<string, string>, what: string): ValueType {
  return {
    check: (a) =>
      canonical.has(a[0]!.toLowerCase()) ? undefined : `'${a[0]}' is not a ${what} (expected ${[...new Set(canonical.values())].join(", ")})`,
    canon: (a) => [canonical.get(a[0]!.toLowerCase())!],
  };
}

/** A string whose length in bytes is within [min, max]. */
export function text(max: number, min = 0): ValueType {
  return {
    check: (a) => {
      const n = Buffer.byteLength(a[0]!);
      if (n < min) return min === 1 ? "must not be empty" : `needs at least ${min} bytes`;
      return n > max ? `holds at most ${max} bytes (got ${n})` : undefined;
    },
  };
}

/** `aa:bb:cc:dd:ee:ff`, printed in lower case. */
export const macAddr: ValueType = {
  check: (a) => (/^[0-9a-f]{1,2}(:[0-9a-f]{1,2}){5}$/i.test(a[0]!) ? undefined : `'${a[0]}' is not a MAC address (aa:bb:cc:dd:ee:ff)`),
  canon: (a) => [a[0]!.split(":").map((b) => b.toLowerCase().padStart(2, "0")).join(":")],
};

/** An interface name as `-i` takes it (with `+` wildcard). */
export const ifaceName: ValueType = {
  check: (a) => (a[0]!.length === 0 ? "needs an interface name" : a[0]!.length >= 16 ? `interface name '${a[0]}' is longer than 15 characters` : undefined),
};

// ---------------------------------------------------------------------------
// Helpers for `normalize` hooks: rewrite a call's options to the canonical set.

/** The first option of that name. */
export function getOpt(options: readonly OptionValue[], name: string): OptionValue | undefined {
  return options.find((o) => o.name === name);
}

/** A new option value; its span is the call's (it was implied, not written). */
export function implied(name: string, args: string[], span: Span, neg = false): OptionValue {
  return { name, neg, args, span };
}

/** Replace (or add) the option `name`, keeping the written option's span when there was one. */
export function withOpt(options: OptionValue[], name: string, args: string[], span: Span, neg = false, from?: OptionValue): OptionValue[] {
  const out = options.filter((o) => o.name !== name && o !== from);
  out.push({ name, neg, args, span: from?.span ?? options.find((o) => o.name === name)?.span ?? span });
  return out;
}

/**
 * The options without those `drop` picks; the same array (not a copy) when it picks
 * none: the parser normalizes every call of every rule, and needs no garbage there.
 */
export function dropOptions(options: OptionValue[], drop: (o: OptionValue) => boolean): OptionValue[] {
  let i = 0;
  while (i < options.length && !drop(options[i]!)) i++;
  if (i === options.length) return options;
  const out = options.slice(0, i);
  for (i++; i < options.length; i++) if (!drop(options[i]!)) out.push(options[i]!);
  return out;
}

/** Drop the options whose value equals the default iptables-save leaves out. */
export function withoutDefault(options: OptionValue[], name: string, isDefault: (o: OptionValue) => boolean): OptionValue[] {
  // a new array: callers add implied options to it
  return options.filter((o) => o.name !== name || !isDefault(o));
}

/** Options that exclude each other: an error message when more than one is given. */
export function exclusive(options: readonly { name: string }[], names: readonly string[]): string | undefined {
  const given = names.filter((n) => options.some((o) => o.name === n));
  return given.length > 1 ? `${given.join(" and ")} cannot be used together` : undefined;
}

/** Options of which at least one must be given. */
export function requireOne(options: readonly { name: string }[], names: readonly string[]): string | undefined {
  return names.some((n) => options.some((o) => o.name === n)) ? undefined : `needs ${names.length > 1 ? "one of " : ""}${names.join(", ")}`;
}

/** `--sport`/`--dport` as tcp, udp, sctp and dccp take them. */
export const PORT_OPTIONS = [
  { name: "--sport", aliases: ["--source-port"], arity: 1, negatable: true, ...portRange },
  { name: "--dport", aliases: ["--destination-port"], arity: 1, negatable: true, ...portRange },
] as const;

/** iptables-save leaves out a port match that covers every port (`--dport 0:65535`). */
export function withoutFullPortRanges(options: OptionValue[]): OptionValue[] {
  return dropOptions(options, isFullPortRange);
}

const isFullPortRange = (o: OptionValue) => (o.name === "--sport" || o.name === "--dport") && !o.neg && o.args[0] === "0:65535";
