// libxt_set: membership in an ipset (`--match-set NAME src,dst`). The set itself
// lives outside the dump, so what it holds is unknown offline, unless the user
// gives convert the host's `ipset save` (ctx.ipset).
import type { Extension, IpsetInfo, XlateContext, XlateResult } from "../types.js";
import { uint, type ValueType } from "../values.js";
import * as xl from "../nft-text.js";
// ipset also stores icmp types in a port dimension, which nft's `th` ports do not read
import { hasPortProto, PORT_PROTO_NAMES } from "../protocols.js";

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

/** The dimensions of an ipset type (`hash:ip,port,net` is ip, ipport, ip), or why nft has no key for it. */
function typeDims(type: string): SetDim[] | string {
  const [method, kinds = ""] = type.split(":");
  if (method === "list") return "a list:set holds other sets, which an nft set cannot";
  const out: SetDim[] = [];
  for (const k of kinds.split(",")) {
    if (k === "ip" || k === "net") out.push("ip");
    else if (k === "port") out.push(method === "bitmap" ? "port" : "ipport");
    else return `its '${k}' dimension has no nft set key in dockwall`;
  }
  return out;
}

/** One `ipset save` member (`10.0.0.1,tcp:80`) as an nft element (`10.0.0.1 . tcp . 80`), or why not. */
function element(value: string, dims: readonly SetDim[], family: XlateContext["family"]): string | { error: string } {
  const parts = value.split(",");
  if (parts.length !== dims.length) return { error: `member '${value}' does not have ${dims.length} parts` };
  const out: string[] = [];
  for (let i = 0; i < dims.length; i++) {
    const p = parts[i]!;
    if (dims[i] === "ip") {
      if (p.includes(":") !== (family === "ipv6")) return { error: `member '${value}' is not an ${family === "ipv6" ? "IPv6" : "IPv4"} address` };
      out.push(p);
    } else if (dims[i] === "port") out.push(p);
    else {
      // `80` alone is tcp:80 (ipset's default protocol)
      const c = p.lastIndexOf(":");
      const proto = c < 0 ? "tcp" : p.slice(0, c);
      if (!PORT_PROTO_NAMES.has(proto)) return { error: `member '${value}': ${proto} has no ports nft can look up` };
      out.push(`${proto} . ${c < 0 ? p : p.slice(c + 1)}`);
    }
  }
  return out.join(" . ");
}

/** The set of `ipset save`, as elements of an nft set with keys for `dims`; `lossy` when timeouts are dropped. */
function ipsetElements(info: IpsetInfo, dims: readonly SetDim[], ctx: XlateContext): { elements: string[]; lossy?: string } | { error: string } {
  const want = ctx.family === "ipv6" ? "inet6" : "inet";
  if (info.family && info.family !== want) return { error: `ipset ${info.name} is family ${info.family}: the kernel refuses it in a${ctx.family === "ipv6" ? "n IPv6" : "n IPv4"} rule` };
  const elements: string[] = [];
  let timeouts = info.options.includes("timeout");
  for (const m of info.members) {
    if (m.options.includes("nomatch")) return { error: `ipset ${info.name} has 'nomatch' members (exceptions inside a network), which an nft set cannot hold` };
    if (m.options.includes("timeout")) timeouts = true;
    const e = element(m.value, dims, ctx.family);
    if (typeof e !== "string") return { error: `ipset ${info.name}: ${e.error}` };
    elements.push(e);
  }
  return timeouts ? { elements, lossy: `ipset ${info.name} has timeouts: its members expire in the kernel, the nft set keeps the ones the file lists` } : { elements };
}

const xlateSet: xl.XlateFn = (call, ctx) => {
  const other = call.options.find((o) => o.name !== "--match-set");
  if (other) return xl.untranslatable(`set ${other.name} has no nft translation`);
  const parts: string[] = [];
  const lossy: string[] = [];
  const kw = xl.ipKw(ctx.family);
  const addrType = ctx.family === "ipv4" ? "ipv4_addr" : "ipv6_addr";
  for (const o of call.options) {
    const [name, dirs] = o.args as [string, string];
    const flags = dirs.split(",");
    const info = ctx.ipset?.(name);
    let dims: SetDim[];
    let known: boolean;
    if (info) {
      const d = typeDims(info.type);
      if (typeof d === "string") return xl.untranslatable(`ipset ${name} (${info.type}): ${d}`);
      // xt_set reads every dimension of the set, taking the unnamed directions as dst
      if (d.length !== flags.length) return xl.untranslatable(`ipset ${name} (${info.type}) has ${d.length} dimensions and the match names ${flags.length}`);
      dims = d;
      known = true;
    } else {
      ({ dims, known } = setDims(name, flags.length));
      if (dims.length < flags.length) return xl.untranslatable(`set ${name} has fewer dimensions than ${dirs}`);
    }
    const keys: string[] = [];
    const types: string[] = [];
    flags.forEach((f, i) => {
      const src = f === "src";
      if (dims[i] === "ip") keys.push(`${kw} ${src ? "saddr" : "daddr"}`), types.push(addrType);
      // an ipset port dimension holds protocol and port (tcp:80), so the key does too
      else if (dims[i] === "ipport") keys.push(`meta l4proto . th ${src ? "sport" : "dport"}`), types.push("inet_proto . inet_service");
      else keys.push(`th ${src ? "sport" : "dport"}`), types.push("inet_service");
    });
    if (dims.includes("port") && !hasPortProto(ctx.rule)) {
      // bitmap:port reads an ICMP packet's type and code as its port; `th dport` reads other bytes
      lossy.push(`set ${name}: a port lookup without -p tcp, udp, udplite, sctp or dccp also sees other protocols, which ipset reads differently`);
    }
    const r = info ? ipsetElements(info, dims, ctx) : undefined;
    if (r && "error" in r) return xl.untranslatable(r.error);
    if (r?.lossy) lossy.push(r.lossy);
    const set = ctx.declareSet({
      name,
      type: types.join(" . "),
      flags: ["interval"],
      shared: true,
      comment: info
        ? `ipset ${name} (${info.type}) as the ipset file lists it`
        : `ipset ${name}: fill from the host (ipset list ${name})${known ? "" : `; type assumed from use: ${flags.length === 1 ? "addresses" : "address tuples"}`}`,
      ...(r ? { elements: r.elements } : {}),
    });
    parts.push(`${keys.join(" . ")} ${xl.neq(o.neg)}@${set}`);
  }
  const out: XlateResult = xl.join(parts);
  return lossy.length && "nft" in out ? { ...out, lossy: lossy.join("; ") } : out;
};
