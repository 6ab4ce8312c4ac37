// libxt_conntrack: connection tracking state, status and the original/reply tuple.
// iptables-save prints the options in spec order, --ctproto as a number and
// addresses without a /32 (/128) prefix.
import type { Extension } from "../types.js";
import { protoNumber } from "../protocols.js";
import { cidrShortHost, flagList, numRange, portRange, type ValueType } from "../values.js";
import { allOptions, and, or, type Constraint, type CtState } from "../packet.js";
import { parseCidr } from "../../syntax/inet.js";
import { parsePortRange } from "../values.js";
import * as xl from "../nft-text.js";

export const CT_STATES = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT"] as const;
export const CT_STATUS = ["NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"] as const;

const ctProto: ValueType = {
  check: (a) => (protoNumber(a[0]!) === undefined ? `unknown protocol '${a[0]}'` : undefined),
  canon: (a) => [String(protoNumber(a[0]!))],
};

export const conntrack: Extension = {
  name: "conntrack",
  kind: "match",
  xlate: (call, ctx) => xlateConntrack(call, ctx),
  options: [
    { name: "--ctstate", arity: 1, negatable: true, ...flagList(CT_STATES, "conntrack state") },
    { name: "--ctproto", arity: 1, negatable: true, ...ctProto },
    { name: "--ctorigsrc", arity: 1, negatable: true, ...cidrShortHost },
    { name: "--ctorigdst", arity: 1, negatable: true, ...cidrShortHost },
    { name: "--ctreplsrc", arity: 1, negatable: true, ...cidrShortHost },
    { name: "--ctrepldst", arity: 1, negatable: true, ...cidrShortHost },
    { name: "--ctorigsrcport", arity: 1, negatable: true, ...portRange },
    { name: "--ctorigdstport", arity: 1, negatable: true, ...portRange },
    { name: "--ctreplsrcport", arity: 1, negatable: true, ...portRange },
    { name: "--ctrepldstport", arity: 1, negatable: true, ...portRange },
    { name: "--ctstatus", arity: 1, negatable: true, ...flagList(CT_STATUS, "conntrack status") },
    { name: "--ctexpire", arity: 1, negatable: true, ...numRange(0xffffffff, "number of seconds") },
    {
      name: "--ctdir",
      arity: 1,
      check: (a) => (/^(ORIGINAL|REPLY)$/i.test(a[0]!) ? undefined : `'${a[0]}' is not ORIGINAL or REPLY`),
      canon: (a) => [a[0]!.toUpperCase()],
    },
  ],
  constraint: (call, family) => {
    const tracked: Constraint = { k: "ctstate", states: ["NEW", "ESTABLISHED", "RELATED"] };
    const stateOf = (list: string) =>
      or(
        ...list.split(",").map((s): Constraint => {
          const u = s.toUpperCase();
          if (u === "SNAT" || u === "DNAT") return { k: "bits", field: "ctstatus", mask: u === "SNAT" ? 16 : 32, value: u === "SNAT" ? 16 : 32 };
          return { k: "ctstate", states: [u as CtState] };
        }),
      );
    const each = (name: string, a: string[]): Constraint => {
      if (name === "--ctstate") return stateOf(a[0]!);
      if (name === "--ctproto") return { k: "num", field: "ctproto", ranges: [[Number(a[0]), Number(a[0])]] };
      if (name === "--ctstatus") {
        const bits = a[0]!.split(",").map((s) => ({ EXPECTED: 1, SEEN_REPLY: 2, ASSURED: 4, CONFIRMED: 8 })[s.toUpperCase() as "EXPECTED"] ?? 0);
        return or(...bits.filter((b) => b).map((b): Constraint => ({ k: "bits", field: "ctstatus", mask: b, value: b })));
      }
      if (name === "--ctdir") return { k: "ctdir", dir: a[0]!.toUpperCase() === "REPLY" ? "REPLY" : "ORIGINAL" };
      if (name === "--ctexpire") return { k: "undecided", module: "conntrack --ctexpire" };
      const field = name.slice(2).replace(/port$/, "p").replace("srcp", "sport").replace("dstp", "dport");
      if (name.endsWith("port")) {
        return { k: "num", field: field as "ctorigsport", ranges: [parsePortRange(a[0]!)!] };
      }
      const c = parseCidr(a[0]!, family);
      if (typeof c === "string" || c.prefix === null) return { k: "undecided", module: `conntrack ${name} with a non-contiguous mask` };
      const span = (1n << BigInt((family === "ipv4" ? 32 : 128) - c.prefix)) - 1n;
      return { k: "addr", field: field as "ctorigsrc", ranges: [[c.addr, c.addr | span]] };
    };
    const all = allOptions(call.options, each);
    // xt_conntrack: without a conntrack entry only --ctstate is looked at (and the rest passes)
    const st = call.options.filter((o) => o.name === "--ctstate");
    const untracked = allOptions(st, each);
    return st.length ? or(and(tracked, all), and({ k: "not", c: tracked }, untracked)) : and(tracked, all);
  },
};

/** Tracked states in the order iptables-translate prints them. */
const TRACKED = ["NEW", "RELATED", "ESTABLISHED"] as const;
const STATE_PRINT_ORDER = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED"];

function stateList(states: Iterable<string>): string {
  const set = new Set(states);
  return STATE_PRINT_ORDER.filter((s) => set.has(s)).map((s) => s.toLowerCase()).join(",");
}

/**
 * `--ctstate` / `--state` as nft alternatives. The iptables state test is a bit
 * mask in which SNAT and DNAT are extra bits taken from the entry's status, and
 * a packet without an entry (INVALID, UNTRACKED) passes the whole conntrack
 * match on the state test alone. nft's `ct status` (like every tuple
 * expression) ends the rule when there is no entry, so mixed cases become
 * disjoint alternatives: one for packets without an entry, others for tracked
 * ones. `before`/`after` are the call's other tests, which only tracked packets reach.
 */
export function xlateCtState(mask: ReadonlySet<string>, inv: boolean, before: readonly string[], after: readonly string[]): xl.XlateResult {
  const untrackedPass = ["INVALID", "UNTRACKED"].filter((s) => mask.has(s) !== inv);
  const natBits = ["SNAT", "DNAT"].filter((s) => mask.has(s));
  const others = before.length + after.length > 0;
  if (natBits.length === 0 && (untrackedPass.length === 0 || !others)) {
    return xl.join([...before, `ct state ${inv ? "! " : ""}${stateList(mask)}`, ...after]);
  }
  const status = natBits.map((s) => s.toLowerCase()).join(",");
  const chosen = TRACKED.filter((s) => mask.has(s));
  const rest = TRACKED.filter((s) => !mask.has(s));
  let tracked: string[][];
  if (!inv) {
    if (natBits.length === 0) tracked = chosen.length ? [[`ct state ${stateList(chosen)}`]] : [];
    else if (chosen.length === 0) tracked = [[`ct status ${status}`]];
    else if (rest.length === 0) tracked = [[`ct state ${stateList(chosen)}`]];
    else tracked = [[`ct state ${stateList(chosen)}`], [`ct state ${stateList(rest)}`, `ct status ${status}`]];
  } else {
    tracked = rest.length ? [[`ct state ${stateList(rest)}`, ...(natBits.length ? [`ct status ! ${status}`] : [])]] : [];
  }
  const alts = tracked.map((t) => [...before, ...t, ...after].join(" "));
  if (untrackedPass.length) alts.unshift(`ct state ${stateList(untrackedPass)}`);
  if (alts.length === 0) return xl.untranslatable("the state test can never pass");
  return alts.length === 1 ? { nft: alts[0]! } : { anyOf: alts };
}

const CT_STATUS_ORDER = ["EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"];

function ctAddrTest(key: string, o: { neg: boolean; args: string[] }, ctx: xl.XlateContext): string | undefined {
  const c = xl.parseCidr(o.args[0]!, ctx.family);
  if (typeof c === "string") return undefined;
  const [dir, field] = key.split(" ");
  const expr = `ct ${dir} ${xl.inetQualifier(ctx)}${field}`;
  const addr = xl.formatAddr(c.addr, ctx.family);
  if (c.prefix === null) return `${expr} & ${xl.formatAddr(c.mask, ctx.family)} ${o.neg ? "!=" : "=="} ${addr}`;
  return `${expr} ${xl.neq(o.neg)}${c.prefix === (ctx.family === "ipv4" ? 32 : 128) ? addr : `${addr}/${c.prefix}`}`;
}

const xlateConntrack: xl.XlateFn = (call, ctx) => {
  const before: string[] = [];
  const after: string[] = [];
  const dir = xl.get(call, "--ctdir");
  if (dir) before.push(`ct direction ${dir.args[0]!.toLowerCase()}`);
  const proto = xl.get(call, "--ctproto");
  if (proto) {
    const n = xl.protoNumber(proto.args[0]!);
    if (n === undefined) return xl.untranslatable(`unknown protocol '${proto.args[0]}'`);
    before.push(`ct original protocol ${xl.neq(proto.neg)}${n}`);
  }
  const status = xl.get(call, "--ctstatus");
  if (status) {
    const bits = status.args[0]!.split(",").filter((s) => s !== "NONE");
    if (bits.length === 0) return xl.untranslatable("--ctstatus NONE tests no status bit");
    const names = CT_STATUS_ORDER.filter((s) => bits.includes(s)).map((s) => s.toLowerCase().replace("_", "-"));
    after.push(`ct status ${status.neg ? "! " : ""}${names.join(",")}`);
  }
  const expire = xl.get(call, "--ctexpire");
  if (expire) {
    // --ctexpire compares whole seconds left; nft's ct expiration counts milliseconds
    const [lo, hi = lo] = expire.args[0]!.split(":");
    after.push(`ct expiration ${xl.neq(expire.neg)}${lo}s-${hi}s999ms`);
  }
  for (const [opt, key] of [["--ctorigsrc", "original saddr"], ["--ctorigdst", "original daddr"], ["--ctreplsrc", "reply saddr"], ["--ctrepldst", "reply daddr"]] as const) {
    const o = xl.get(call, opt);
    if (!o) continue;
    const e = ctAddrTest(key, o, ctx);
    if (!e) return xl.untranslatable(`${opt} '${o.args[0]}' is not an address`);
    after.push(e);
  }
  for (const [opt, key] of [["--ctorigsrcport", "original proto-src"], ["--ctorigdstport", "original proto-dst"], ["--ctreplsrcport", "reply proto-src"], ["--ctrepldstport", "reply proto-dst"]] as const) {
    const o = xl.get(call, opt);
    if (!o) continue;
    // nft types proto-src/proto-dst by the tuple's protocol, so it needs --ctproto
    if (!proto || proto.neg) return xl.untranslatable(`${opt} without --ctproto: nft needs the protocol to read the port`);
    after.push(`ct ${key} ${xl.neq(o.neg)}${xl.colonRange(o.args[0]!)}`);
  }
  const state = xl.get(call, "--ctstate");
  if (state) return xlateCtState(new Set(state.args[0]!.split(",")), state.neg, before, after);
  // without --ctstate the match fails on a packet that has no conntrack entry
  if (before.length + after.length === 0) return { nft: "ct state new,related,established" };
  return xl.join([...before, ...after]);
};
