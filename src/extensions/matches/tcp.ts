// libxt_tcp: TCP ports, flags and options. Loaded implicitly by `-p tcp`.
// iptables-save prints --sport, --dport, --tcp-option, --tcp-flags in that order;
// `--syn` is stored as the flags test it stands for.
import type { OptionValue } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { PORT_OPTIONS, dropOptions, uint, withOpt, withoutFullPortRanges } from "../values.js";
import { parsePortRange } from "../values.js";
import { allOptions, portsConstraint } from "../packet.js";
import * as xl from "../nft-text.js";

export const TCP_FLAGS = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"] as const;

/** A flag list to its canonical text: bit order, `ALL` spelt out, `NONE` when empty. */
export function parseTcpFlags(text: string): string[] | string {
  const out = new Set<string>();
  for (const w of text.split(",")) {
    const u = w.toUpperCase();
    if (u === "ALL") TCP_FLAGS.forEach((f) => out.add(f));
    else if (u === "NONE") continue;
    else if ((TCP_FLAGS as readonly string[]).includes(u)) out.add(u);
    else return `'${w}' is not a TCP flag (expected ${TCP_FLAGS.join(", ")}, ALL or NONE)`;
  }
  return TCP_FLAGS.filter((f) => out.has(f));
}

const flagText = (text: string) => {
  const f = parseTcpFlags(text) as string[];
  return f.length ? f.join(",") : "NONE";
};

const SYN_FLAGS = ["FIN,SYN,RST,ACK", "SYN"];

export const tcp: Extension = {
  name: "tcp",
  kind: "match",
  xlate: (call, ctx) => xlateTcp(call, ctx),
  options: [
    ...PORT_OPTIONS,
    { name: "--tcp-option", arity: 1, negatable: true, ...uint(255) },
    {
      name: "--tcp-flags",
      arity: 2,
      negatable: true,
      check: (a) => {
        const m = parseTcpFlags(a[0]!);
        const c = parseTcpFlags(a[1]!);
        return typeof m === "string" ? m : typeof c === "string" ? c : undefined;
      },
      canon: (a) => [flagText(a[0]!), flagText(a[1]!)],
    },
    { name: "--syn", arity: 0, negatable: true },
  ],
  checkCall: (options) =>
    options.some((o) => o.name === "--syn") && options.some((o) => o.name === "--tcp-flags") ? "--syn and --tcp-flags cannot be used together" : undefined,
  normalize(options, _family, span) {
    let out: OptionValue[] = withoutFullPortRanges(options);
    const syn = out.find((o) => o.name === "--syn");
    if (syn) out = withOpt(out, "--tcp-flags", [...SYN_FLAGS], span, syn.neg, syn);
    // a flags test with an empty mask tests nothing and is not stored
    return dropOptions(out, (o) => o.name === "--tcp-flags" && !o.neg && o.args[0] === "NONE");
  },
  constraint: (call) =>
    allOptions(call.options, (name, a) => {
      if (name === "--sport") return portsConstraint("sport", [parsePortRange(a[0]!)!]);
      if (name === "--dport") return portsConstraint("dport", [parsePortRange(a[0]!)!]);
      if (name === "--syn") return { k: "bits", field: "tcpflags", mask: 0x17, value: 0x02 };
      if (name === "--tcp-flags") return { k: "bits", field: "tcpflags", mask: flagBits(a[0]!), value: flagBits(a[1]!) };
      return { k: "undecided", module: "tcp --tcp-option" };
    }),
};

const TCP_FLAG_BITS = new Map<string, number>([["FIN", 1], ["SYN", 2], ["RST", 4], ["PSH", 8], ["ACK", 16], ["URG", 32], ["ALL", 63], ["NONE", 0]]);
const NFT_TCP_FLAGS = ["fin", "syn", "rst", "psh", "ack", "urg"];

/** A TCP flag list (FIN,SYN,... ALL, NONE) as bits: FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32. */
function flagBits(list: string): number {
  let bits = 0;
  for (const f of list.split(",")) bits |= TCP_FLAG_BITS.get(f.toUpperCase()) ?? 0;
  return bits;
}

function nftTcpFlags(bits: number): string {
  // nft has no name for "no flag"; 0x0 is what it reads back as such
  return bits === 0 ? "0x0" : NFT_TCP_FLAGS.filter((_, i) => bits & (1 << i)).join(",");
}

const xlateTcp: xl.XlateFn = (call) => {
  const parts = xl.portTests("tcp", call.options);
  for (const o of call.options) {
    if (o.name === "--tcp-option") parts.push(`tcp option ${o.args[0]} ${o.neg ? "missing" : "exists"}`);
    else if (o.name === "--tcp-flags" || o.name === "--syn") {
      const [mask, cmp] = o.name === "--syn" ? [0x17, 0x02] : [flagBits(o.args[0]!), flagBits(o.args[1]!)];
      // a zero mask tests nothing: always true, or never when negated
      if (mask === 0 && !o.neg) continue;
      parts.push(`tcp flags ${xl.neq(o.neg)}${nftTcpFlags(cmp & mask)} / ${nftTcpFlags(mask)}`);
    }
  }
  return xl.protoOrTests("tcp", parts);
};
