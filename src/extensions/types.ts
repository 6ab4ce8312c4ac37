// The contract every match and target module implements, one file per module
// (src/extensions/matches/<name>.ts, src/extensions/targets/<NAME>.ts), the way
// netfilter's own libxt_*.c files are laid out: options (with arity and value
// checks), how the module prints in save format, how it translates to nft, and
// what it matches in a packet.
import type { Family, MatchCall, OptionValue, Rule, TargetCall } from "../syntax/ast.js";
import type { ModuleSpec, OptionSpec } from "../syntax/spec.js";
import type { Constraint, Effect } from "./packet.js";

export interface ExtOptionSpec extends OptionSpec {
  /** Print the value with iptables-save's quoting (xtables_save_string). */
  quote?: boolean;
}

export interface XlateContext {
  family: Family;
  /** Family of the nft table the rule goes to: `inet` needs `ip`/`ip6` qualifiers in some statements. */
  nftFamily: "ip" | "ip6" | "inet";
  rule: Rule;
  /** Attaches a comment to the nft rule (nft keeps one per rule; several are joined). */
  comment(text: string): void;
  /** Declares a named set the expression looks up (ipset, connlimit); returns the name to use. */
  declareSet(set: NftSetDecl): string;
  /** The ipset of that name as `ipset save` wrote it, when the user gave one (`convert --ipsets`). */
  ipset?(name: string): IpsetInfo | undefined;
}

/** One set of an `ipset save` file. */
export interface IpsetInfo {
  name: string;
  /** `hash:ip,port`, `bitmap:port`, ... */
  type: string;
  /** `inet` or `inet6` (`family` of hash types; bitmap:ip is inet, bitmap:port and list:set have none). */
  family?: string;
  /** Options of `create` after the type (`timeout 300`, `counters`, `comment`, ...). */
  options: readonly string[];
  /** Each `add`: the member as ipset writes it (`10.0.0.1,tcp:80`) and the words after it (`nomatch`, `timeout 20`, ...). */
  members: readonly { value: string; options: readonly string[]; line: number }[];
  /** Line of the `create` in the ipset file. */
  line: number;
}

export interface NftSetDecl {
  /** Wanted name; the printer may rename to avoid a clash. */
  name: string;
  /** nft type, e.g. `ipv4_addr` or `ipv4_addr . inet_service`. */
  type: string;
  flags?: readonly string[];
  comment?: string;
  /** Same name and type are one set (an ipset used by many rules); otherwise each call gets its own. */
  shared?: boolean;
  /** Elements in nft syntax (`10.0.0.1 . tcp . 80`); none declares an empty set. */
  elements?: readonly string[];
}

/**
 * An nft expression; or several that are pairwise disjoint, one nft rule each
 * (their union is the call: e.g. ctstate states OR'ed with the DNAT status bit);
 * or why the call cannot be translated exactly. `lossy` marks an approximation.
 */
export type XlateResult = { nft: string; lossy?: string } | { anyOf: readonly string[] } | { untranslatable: string };

export interface Extension extends ModuleSpec {
  options: readonly ExtOptionSpec[];
  /**
   * The words this call prints after `-m NAME` / `-j NAME` in save format.
   * Defaults to the options in spec order (which is the order iptables-save uses).
   */
  save?: (call: MatchCall | TargetCall, family: Family) => string[];
  /**
   * Options keep the order `normalize` gives them instead of being sorted into
   * spec order (policy's `--next`-separated elements).
   */
  ordered?: boolean;
  /** The nft translation of this call. */
  xlate?: (call: MatchCall | TargetCall, ctx: XlateContext) => XlateResult;
  /**
   * Matches: what the call tests, exactly (see extensions/packet.ts). A match
   * without it is "undecided" for the engine, never guessed.
   */
  constraint?: (call: MatchCall, family: Family) => Constraint;
  /** Targets: what the call does to the packet. A target without it is "undecided". */
  effect?: (call: TargetCall, family: Family) => Effect;
}

export type MatchExtension = Extension & { kind: "match" };
export type TargetExtension = Extension & { kind: "target" };

export function opt(call: { options: OptionValue[] }, name: string): OptionValue | undefined {
  return call.options.find((o) => o.name === name);
}
