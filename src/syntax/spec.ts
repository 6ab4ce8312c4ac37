// What the parser needs to know of a match or target module: its options, how
// many words each takes and how to check and canonicalise them. The modules
// themselves live in src/extensions/ (one file each) and are handed to the
// parser as a ModuleResolver, so syntax/ does not depend on extensions/.
import type { Family, OptionValue, Span } from "./ast.js";

export interface OptionSpec {
  /** Canonical long name as iptables-save prints it, e.g. "--dport". */
  name: string;
  /** Other spellings accepted on input: "--destination-port", "--dports", ... */
  aliases?: readonly string[];
  /** Number of words taken: 0 for a flag, 1 usually, 2 for `--tcp-flags MASK COMP`. */
  arity: number;
  /** Words that may follow the required ones (optional argument), e.g. `--reject-with` has none; `--match-set NAME FLAGS`. */
  optionalArity?: number;
  negatable?: boolean;
  /** Checks the words; returns an error message, or undefined when they are valid. Must depend only on its arguments. */
  check?: (args: string[], family: Family) => string | undefined;
  /** Rewrites the words to the form iptables-save prints (numeric ports, /32 prefixes, ...). */
  canon?: (args: string[], family: Family) => string[];
  /** Option may appear more than once (e.g. LOG options never do; `--match-set` in set can). */
  repeatable?: boolean;
}

export interface ModuleSpec {
  name: string;
  kind: "match" | "target";
  /** Restricts the module to one family (icmp is IPv4 only, icmp6 IPv6 only). */
  family?: Family;
  options: readonly OptionSpec[];
  /** Checks the whole call after all options are read (required options, conflicts). */
  checkCall?: (options: readonly { name: string; args: string[]; neg: boolean }[], family: Family) => string | undefined;
  /**
   * Rewrites a checked call into the canonical option set iptables-save prints
   * (`--set-mark X` as `--set-xmark X/0xffffffff`, defaults added or left out),
   * so that equal rulesets give equal ASTs. `span` is the call's, for implied options.
   */
  normalize?: (options: OptionValue[], family: Family, span: Span) => OptionValue[];
}

export interface ModuleResolver {
  match(name: string, family: Family): ModuleSpec | undefined;
  target(name: string, family: Family): ModuleSpec | undefined;
  /** The module `-p NAME` loads implicitly (tcp, udp, icmp, ...), if any. */
  protocolModule(proto: string, family: Family): ModuleSpec | undefined;
  /** Canonical protocol name for `-p` (names and numbers accepted), or an error. */
  canonProtocol(proto: string, family: Family): string | { error: string };
}

export function findOption(spec: ModuleSpec, name: string): OptionSpec | undefined {
  return optionIndex(spec).get(name);
}

const indexes = new WeakMap<ModuleSpec, Map<string, OptionSpec>>();

/** Every spelling of every option of a module, for one lookup per option word. */
export function optionIndex(spec: ModuleSpec): Map<string, OptionSpec> {
  let m = indexes.get(spec);
  if (!m) {
    m = new Map();
    for (const o of spec.options) {
      for (const alias of o.aliases ?? []) if (!m.has(alias)) m.set(alias, o);
      m.set(o.name, o);
    }
    indexes.set(spec, m);
  }
  return m;
}
