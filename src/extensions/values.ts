// Value types shared by the modules' option specs: checks and canonical forms.
import type { Family } from "../syntax/ast.js";
import { formatAddr, parseCidr } from "../syntax/inet.js";

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

export function parsePort(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 65535 ? n : undefined;
  }
  return SERVICES.get(text);
}

/** `N` or `N:M` (open ends allowed: `:M`, `N:`); returns [lo, hi]. */
export function parsePortRange(text: string): [number, number] | undefined {
  const c = text.indexOf(":");
  if (c < 0) {
    const p = parsePort(text);
    return p === undefined ? undefined : [p, p];
  }
  const lo = c === 0 ? 0 : parsePort(text.slice(0, c));
  const hi = c === text.length - 1 ? 65535 : parsePort(text.slice(c + 1));
  if (lo === undefined || hi === undefined) return undefined;
  // iptables swaps a reversed range silently; we keep the order it prints
  return lo <= hi ? [lo, hi] : [hi, lo];
}

export function formatPortRange([lo, hi]: [number, number]): string {
  return lo === hi ? String(lo) : `${lo}:${hi}`;
}

export const portRange = {
  check: (a: string[]) => (parsePortRange(a[0]!) ? undefined : `'${a[0]}' is not a port or port range`),
  canon: (a: string[]) => [formatPortRange(parsePortRange(a[0]!)!)],
};

export function parseUInt(text: string, max = 0xffffffff): number | undefined {
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isFinite(n) && n <= max ? n : undefined;
}

export function uint(max = 0xffffffff) {
  return { check: (a: string[]) => (parseUInt(a[0]!, max) !== undefined ? undefined : `'${a[0]}' is not a number up to ${max}`) };
}

/** `VALUE[/MASK]` as used by mark, connmark and MARK; printed in hex, the mask left out when it is all ones. */
export function parseMarkMask(text: string): { value: number; mask: number } | undefined {
  const [v, m] = text.split("/");
  const value = parseUInt(v!);
  const mask = m === undefined ? 0xffffffff : parseUInt(m);
  return value === undefined || mask === undefined ? undefined : { value, mask };
}

export function formatMarkMask({ value, mask }: { value: number; mask: number }): string {
  return mask === 0xffffffff ? `0x${value.toString(16)}` : `0x${value.toString(16)}/0x${mask.toString(16)}`;
}

export const markMask = {
  check: (a: string[]) => (parseMarkMask(a[0]!) ? undefined : `'${a[0]}' is not VALUE[/MASK]`),
  canon: (a: string[]) => [formatMarkMask(parseMarkMask(a[0]!)!)],
};

export function addrCheck(a: string[], family: Family): string | undefined {
  const c = parseCidr(a[0]!, family);
  return typeof c === "string" ? c : undefined;
}

export function canonCidr(text: string, family: Family): string {
  const c = parseCidr(text, family);
  if (typeof c === "string") return text;
  const addr = formatAddr(c.addr, family);
  return `${addr}/${c.prefix ?? formatAddr(c.mask, family)}`;
}

/** A comma-separated list from a fixed vocabulary, printed in the vocabulary's order. */
export function flagList(vocab: readonly string[], what: string, aliases: ReadonlyMap<string, string> = new Map()) {
  const norm = (w: string) => aliases.get(w.toUpperCase()) ?? w.toUpperCase();
  return {
    check: (a: string[]) => {
      for (const w of a[0]!.split(",")) if (!vocab.includes(norm(w))) return `'${w}' is not a ${what} (expected ${vocab.join(", ")})`;
      return undefined;
    },
    canon: (a: string[]) => {
      const set = new Set(a[0]!.split(",").map(norm));
      return [vocab.filter((v) => set.has(v)).join(",")];
    },
  };
}
