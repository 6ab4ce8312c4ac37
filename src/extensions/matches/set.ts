// libxt_set: membership in an ipset (`--match-set NAME src,dst`). The set itself
// lives outside the dump, so what it holds is unknown offline.
import type { Extension } from "../types.js";
import { uint, type ValueType } from "../values.js";
import * as xl from "../nft-text.js";

const setFlags = (a: string[]) => {
  const f = a[1]!.split(",");
  if (f.length > 6) return "a set is matched on at most 6 dimensions";
  for (const w of f) if (w !== "src" && w !== "dst") return `'${w}' must be src or dst`;
  return undefined;
};

const counter: ValueType = uint(0xffffffffffff);

export const set: Extension = {
  name: "set",
  kind: "match",
  xlate: (call, ctx) => xlateSet(call, ctx),
  options: [
    {
      name: "--match-set",
      aliases: ["--set"],
      arity: 2,
      negatable: true,
      check: (a) => (a[0]!.length === 0 || a[0]!.length > 31 ? "a set name has 1 to 31 characters" : setFlags(a)),
    },
    { name: "--return-nomatch", arity: 0 },
    { name: "--update-counters", arity: 0, negatable: true },
    { name: "--update-subcounters", arity: 0, negatable: true },
    { name: "--packets-eq", arity: 1, negatable: true, ...counter },
    { name: "--packets-lt", arity: 1, ...counter },
    { name: "--packets-gt", arity: 1, ...counter },
    { name: "--bytes-eq", arity: 1, negatable: true, ...counter },
    { name: "--bytes-lt", arity: 1, ...counter },
    { name: "--bytes-gt", arity: 1, ...counter },
  ],
  checkCall: (options) => (options.some((o) => o.name === "--match-set") ? undefined : "needs --match-set NAME FLAGS"),
  constraint: () => ({ k: "undecided", module: "set" }),
};

/** What one dimension of an ipset holds: an address (or network), a protocol+port pair (hash types), or a port alone (bitmap:port). */
type SetDim = "ip" | "ipport" | "port";

/**
 * ipsets whose type is known from their name: kube-proxy's IPVS mode
 * (pkg/proxy/ipvs ipsets) and Docker 28.0.0. Other sets are taken to hold
 * addresses in every dimension, which the set's comment says.
 */
const KNOWN_SETS: readonly [RegExp, readonly SetDim[]][] = [
  [/^KUBE-(NODE-PORT(-LOCAL)?-(TCP|UDP)|HEALTH-CHECK-NODE-PORT)$/, ["port"]],
  [/^KUBE-(LOOP-BACK|LOAD-BALANCER-SOURCE-IP|LOAD-BALANCER-SOURCE-CIDR)$/, ["ip", "ipport", "ip"]],
  [/^KUBE-(CLUSTER-IP|EXTERNAL-IP(-LOCAL)?|LOAD-BALANCER(-LOCAL|-FW)?|NODE-PORT(-LOCAL)?-SCTP-HASH)$/, ["ip", "ipport"]],
];

function setDims(name: string, count: number): { dims: SetDim[]; known: boolean } {
  const k = KNOWN_SETS.find(([re]) => re.test(name));
  if (k) return { dims: k[1].slice(0, count), known: true };
  return { dims: Array<SetDim>(count).fill("ip"), known: false };
}

const xlateSet: xl.XlateFn = (call, ctx) => {
  const other = call.options.find((o) => o.name !== "--match-set");
  if (other) return xl.untranslatable(`set ${other.name} has no nft translation`);
  const parts: string[] = [];
  const kw = xl.ipKw(ctx.family);
  const addrType = ctx.family === "ipv4" ? "ipv4_addr" : "ipv6_addr";
  for (const o of call.options) {
    const [name, dirs] = o.args as [string, string];
    const flags = dirs.split(",");
    const { dims, known } = setDims(name, flags.length);
    if (dims.length < flags.length) return xl.untranslatable(`set ${name} has fewer dimensions than ${dirs}`);
    const keys: string[] = [];
    const types: string[] = [];
    flags.forEach((f, i) => {
      const src = f === "src";
      if (dims[i] === "ip") keys.push(`${kw} ${src ? "saddr" : "daddr"}`), types.push(addrType);
      // an ipset port dimension holds protocol and port (tcp:80), so the key does too
      else if (dims[i] === "ipport") keys.push(`meta l4proto . th ${src ? "sport" : "dport"}`), types.push("inet_proto . inet_service");
      else keys.push(`th ${src ? "sport" : "dport"}`), types.push("inet_service");
    });
    const set = ctx.declareSet({
      name,
      type: types.join(" . "),
      flags: ["interval"],
      shared: true,
      comment: `ipset ${name}: fill from the host (ipset list ${name})${known ? "" : `; type assumed from use: ${flags.length === 1 ? "addresses" : "address tuples"}`}`,
    });
    parts.push(`${keys.join(" . ")} ${xl.neq(o.neg)}@${set}`);
  }
  return xl.join(parts);
};
