// Small pieces of nft syntax shared by the modules' `xlate` members, written the
// way iptables-translate writes them, so that our output and netfilter's own
// translation suite compare as text.
import type { Family } from "../syntax/ast.js";
import type { Extension, XlateContext, XlateResult } from "./types.js";

// The modules import this file as a namespace (`import * as xl`), so that an
// xlate member never clashes with the names a module file already imports.
export type { XlateContext, XlateResult } from "./types.js";
export type XlateFn = NonNullable<Extension["xlate"]>;
export { formatAddr, parseCidr, parseAddr } from "../syntax/inet.js";
export { protoNumber } from "./protocols.js";

/** `!= ` before a negated value, nothing otherwise. */
export function neq(neg: boolean): string {
  return neg ? "!= " : "";
}

/** `N` or `N-M`, nft's range syntax. */
export function nftRange(lo: number | bigint | string, hi: number | bigint | string): string {
  return String(lo) === String(hi) ? String(lo) : `${lo}-${hi}`;
}

/** iptables `N:M` (already canonical) to nft `N-M`. */
export function colonRange(text: string): string {
  const [lo, hi] = text.split(":");
  return hi === undefined ? lo! : nftRange(lo!, hi);
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/**
 * An nft quoted string. nft's scanner ends a string at the first `"` and has no
 * escape for it, so a value holding one cannot be written exactly.
 */
export function nftQuote(text: string): string | undefined {
  return text.includes('"') || /[\n\r]/.test(text) ? undefined : `"${text}"`;
}

/** `ip` or `ip6`: the header expression keyword of a family. */
export function ipKw(family: Family): "ip" | "ip6" {
  return family === "ipv4" ? "ip" : "ip6";
}

/**
 * The address-family word nat statements and ct tuple expressions need inside
 * an inet table (`dnat ip to`, `ct original ip saddr`); empty in ip/ip6 tables.
 */
export function inetQualifier(ctx: XlateContext): string {
  return ctx.nftFamily === "inet" ? `${ipKw(ctx.family)} ` : "";
}

/** `VALUE[/MASK]` tests as iptables-translate prints them: `KEY 0x1`, `KEY and 0xa == 0xa`. */
export function maskedValue(key: string, value: number, mask: number, neg: boolean): string {
  if (mask === 0xffffffff) return `${key} ${neq(neg)}${hex(value)}`;
  return `${key} and ${hex(mask)} ${neg ? "!=" : "=="} ${hex(value)}`;
}

export function untranslatable(reason: string): XlateResult {
  return { untranslatable: reason };
}

/** Joins the non-empty expressions of a call with single spaces. */
export function join(parts: readonly string[]): XlateResult {
  return { nft: parts.filter((p) => p !== "").join(" ") };
}

/**
 * `--sport`/`--dport` of tcp, udp, sctp, dccp: `PROTO sport 53`, `PROTO dport != 1-2`.
 * A full range that is not negated tests nothing and prints nothing; negated it
 * matches no packet, and must stay (iptables-translate 1.8.9 drops it, turning
 * "never" into "always").
 */
export function portTests(proto: string, options: readonly { name: string; neg: boolean; args: string[] }[]): string[] {
  const out: string[] = [];
  for (const [opt, key] of [["--sport", "sport"], ["--dport", "dport"]] as const) {
    for (const o of options) {
      if (o.name !== opt) continue;
      if (!o.neg && o.args[0] === "0:65535") continue;
      out.push(`${proto} ${key} ${neq(o.neg)}${colonRange(o.args[0]!)}`);
    }
  }
  return out;
}

/**
 * A protocol match that printed nothing (`-p tcp -m tcp`, or only full ranges)
 * still requires its protocol: iptables-translate 1.8.9 left it out and turned
 * kube-proxy's `-p tcp -m tcp -j DNAT --to-destination IP:PORT` into a `dnat`
 * nft rejects.
 */
export function protoOrTests(proto: string, parts: readonly string[]): XlateResult {
  return parts.length ? join(parts) : { nft: `meta l4proto ${proto}` };
}

export function get(call: { options: readonly { name: string; neg: boolean; args: string[] }[] }, name: string) {
  return call.options.find((o) => o.name === name);
}

export function has(call: { options: readonly { name: string }[] }, name: string): boolean {
  return call.options.some((o) => o.name === name);
}

/** `lt`/`gt`/`==` tests of the ttl and hl modules: `ip ttl gt 5`, `ip6 hoplimit != 3`. */
export function cmpTests(key: string, call: { options: readonly { name: string; neg: boolean; args: string[] }[] }, suffix: string): string[] {
  const out: string[] = [];
  for (const o of call.options) {
    const v = o.args[0]!;
    if (o.name === `--${suffix}-eq`) out.push(`${key} ${neq(o.neg)}${v}`);
    else if (o.name === `--${suffix}-lt`) out.push(`${key} lt ${v}`);
    else if (o.name === `--${suffix}-gt`) out.push(`${key} gt ${v}`);
  }
  return out;
}

/** MARK-style `--set-xmark VALUE/MASK` (new = (old & ~MASK) ^ VALUE) as the shortest nft statement. */
export function xmarkSet(key: string, old: string, value: number, mask: number): string {
  const inv = ~mask >>> 0;
  if (mask === 0xffffffff) return `${key} set ${hex(value)}`;
  if (value === 0) return `${key} set ${old} and ${hex(inv)}`;
  if (mask === 0) return `${key} set ${old} xor ${hex(value)}`;
  if (mask === value) return `${key} set ${old} or ${hex(value)}`;
  return `${key} set ${old} and ${hex(inv)} xor ${hex(value)}`;
}
