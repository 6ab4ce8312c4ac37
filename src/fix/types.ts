// What a fix is before it is printed: edits to the dump's AST (rules inserted,
// deleted, chains created), the packets it is meant to stop and to keep, and
// for the nft strategy the table of our own that holds it. Printing (iptables
// commands, canonical dumps, diffs, nft scripts) happens in src/emit/, which
// comes after fix/ in the pipeline.
import type { Dump, Rule } from "../syntax/ast.js";
import type { HostModel, OutcomePart, PacketSet, Universe } from "../engine/api.js";
import type { Finding, FixVerification } from "../lint/types.js";

/** The strategies a user picks with `dockwall fix --strategy`. */
export const STRATEGIES = ["nat", "docker-user", "nft", "raw"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export type Edit =
  /** A user chain of ours; created before any rule jumps to it. */
  | { kind: "chain"; table: string; chain: string }
  /** `rule` goes before the rule now at `index` of the original chain (index = rules.length appends). */
  | { kind: "insert"; table: string; chain: string; index: number; rule: Rule }
  /** Removed after every insert is in place, so a move never opens a gap. */
  | { kind: "delete"; table: string; chain: string; rule: Rule };

/** A base chain of the standalone `table inet dockwall`, or a regular chain it jumps to. */
export interface NftChain {
  name: string;
  /** The chain that models it in the engine proof (a regular chain's iptables name). */
  iptables?: string;
  base?: { hook: "prerouting" | "forward" | "input"; priority: string };
  /** Rules in iptables form; the printer translates them (meta nfproto is added for the dump's family). */
  rules: Rule[];
}

export interface NftPart {
  chains: NftChain[];
  /**
   * How the engine proof sees this table: the same rules at the iptables table
   * and chain that run at the same hook position (mangle PREROUTING for a
   * prerouting chain before dstnat, filter FORWARD for forward at filter - 1).
   * Sound because our chains only drop or return: a drop in any base chain is
   * final, and an accept-free chain cannot override anyone else's verdict.
   */
  modelledAs: string;
}

/** The sets a fix is judged by, in the universe of the comparison. */
export interface Intent {
  /** The finding's packets: after the fix every one of them must be dropped or rejected. */
  bad: PacketSet;
  /** What the user meant to allow: must keep its outcome, address and port (with the rest of those connections, unless keepAsIs). */
  keep: PacketSet;
  keepAsIs?: boolean;
  /** Packets the finding says are wrongly blocked: after the fix none of them may be dropped or rejected. */
  unblock?: PacketSet;
  /**
   * For fixes that make a rule apply where it never did (moves, rewrites, the
   * DOCKER-USER jump): the packets the fixed rules now decide. Must not be
   * empty; changes outside it (and outside bad/unblock) fail the proof.
   */
  effect?: PacketSet;
  /** Other packets allowed to change, with the reason (e.g. later packets of connections the fix unblocks). */
  mayChange?: PacketSet;
  /** The finding is about packets outside the engine's model (replies): said in the proof's detail. */
  outsideModel?: string;
}

export interface IntentContext {
  u: Universe;
  host: HostModel;
  dump: Dump;
  /** The original dump's inbound partition in `u`. */
  before: OutcomePart[];
  /** The patched dump and its inbound partition in `u`. */
  patched: Dump;
  after(): OutcomePart[];
}

export interface FixPlan {
  finding: Finding;
  strategy: Strategy;
  /** Short machine name shown with the fix, e.g. "nat-return", "docker-user-ctorig", "nft-prerouting". */
  name: string;
  /** Plain words: what the change does and what it costs. */
  description: string;
  /** The iptables edits; for the nft strategy, the engine's model of the table. */
  edits: Edit[];
  nft?: NftPart;
  intent(ctx: IntentContext): Intent;
}

export interface Verified {
  plan: FixPlan;
  status: FixVerification;
  /** Why it failed, or what was checked. */
  detail: string;
  /** The dump with the edits applied (for save/diff/script). */
  patched: Dump;
}
