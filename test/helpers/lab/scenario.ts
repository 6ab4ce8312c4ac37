// A lab scenario from a dump: the topology the dump implies (its bridges, their
// subnets, containers at its DNAT targets, client addresses in its source ranges)
// and probes at its boundaries (every address range, port and interface it
// names, just inside and just outside) plus seeded random ones.
//
// This reads rule lines with a small tokenizer of its own rather than the
// project's parser: the lab is the oracle the parser and engine are checked
// against, so it must not share their mistakes.
import { isIP } from "node:net";
import type { Probe, Proto, Topology } from "../lab.js";
import { CLIENT, CLIENT_V4, CLIENT_V6, HOST, HOST_V4, HOST_V6 } from "../lab.js";
import { rng } from "../../engine/rng.js";

export interface RuleFacts {
  line: number;
  table: string;
  chain: string;
  src?: { neg: boolean; net: Net };
  dst?: { neg: boolean; net: Net };
  in?: { neg: boolean; name: string };
  out?: { neg: boolean; name: string };
  proto?: string;
  dports: [number, number][];
  /** --ctorigsrc/--ctorigdst/--ctreplsrc/--ctrepldst networks */
  ctAddrs: Net[];
  target?: string;
  toDest?: { addr?: string; ports?: [number, number] };
  srcRange?: [string, string];
  dstRange?: [string, string];
}

/** An address range as numbers (bigint handles IPv6). */
export interface Net {
  v6: boolean;
  lo: bigint;
  hi: bigint;
  len: number;
}

// ------------------------------------------------------------------ address math

export function toBig(addr: string): bigint {
  if (isIP(addr) === 4) return addr.split(".").reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n);
  let [head = "", tail = ""] = addr.split("::") as [string, string?] as [string, string];
  if (!addr.includes("::")) tail = "";
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  // an embedded IPv4 tail (::ffff:1.2.3.4) is two groups
  const expand = (g: string[]) => g.flatMap((x) => (x.includes(".") ? [Number(toBig(x) >> 16n).toString(16), Number(toBig(x) & 0xffffn).toString(16)] : [x]));
  const hh = expand(h);
  const tt = expand(t);
  const groups = [...hh, ...Array(8 - hh.length - tt.length).fill("0"), ...tt];
  return groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g || "0", 16)), 0n);
}

export function fromBig(n: bigint, v6: boolean): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
  const g = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((n >> s) & 0xffffn).toString(16));
  // the longest run of zero groups becomes "::", as inet_ntop prints it
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === "0") j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return g.join(":");
  return `${g.slice(0, best).join(":")}::${g.slice(best + bestLen).join(":")}`;
}

export function parseNet(text: string): Net | undefined {
  const [addr = "", len] = text.split("/");
  const fam = isIP(addr);
  if (!fam) return undefined;
  const bits = fam === 6 ? 128 : 32;
  const l = len === undefined ? bits : /^\d+$/.test(len) ? Number(len) : undefined;
  if (l === undefined || l > bits) return undefined; // dotted masks are rare in dumps: ignored
  const size = 1n << BigInt(bits - l);
  const lo = (toBig(addr) / size) * size;
  return { v6: fam === 6, lo, hi: lo + size - 1n, len: l };
}

export const inNet = (n: Net, a: bigint) => a >= n.lo && a <= n.hi;

// ------------------------------------------------------------------ rule facts

function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2]!);
  return out;
}

function portRanges(v: string): [number, number][] {
  return v
    .split(",")
    .map((p) => p.split(":").map(Number) as [number, number?])
    .filter(([a]) => Number.isInteger(a))
    .map(([a, b]) => [a, b ?? a] as [number, number]);
}

/** DNAT's --to-destination: ADDR[-ADDR][:PORT[-PORT]], IPv6 as [ADDR]:PORT. */
function parseToDest(v: string): RuleFacts["toDest"] | undefined {
  const m = v.startsWith("[") ? /^\[([^\]]+)\](?::(\d+)(?:-(\d+))?)?$/.exec(v) : isIP(v) === 6 ? [v, v] : /^([\d.]+)(?:-[\d.]+)?(?::(\d+)(?:-(\d+))?)?$/.exec(v);
  if (!m) return undefined;
  const out: NonNullable<RuleFacts["toDest"]> = {};
  if (m[1] && isIP(m[1])) out.addr = m[1];
  if (m[2]) out.ports = [Number(m[2]), Number(m[3] ?? m[2])];
  return out;
}

export function ruleFacts(text: string): RuleFacts[] {
  const out: RuleFacts[] = [];
  let table = "";
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith("*")) table = line.slice(1);
    if (!/^-[AI] /.test(line)) return;
    const tok = tokenize(line);
    const f: RuleFacts = { line: i + 1, table, chain: tok[1] ?? "", dports: [], ctAddrs: [] };
    let neg = false;
    for (let k = 2; k < tok.length; k++) {
      const t = tok[k]!;
      const next = () => tok[++k] ?? "";
      if (t === "!") {
        neg = true;
        continue;
      }
      if (t === "-s" || t === "--source") {
        const n = parseNet(next());
        if (n) f.src = { neg, net: n };
      } else if (t === "-d" || t === "--destination") {
        const n = parseNet(next());
        if (n) f.dst = { neg, net: n };
      } else if (/^--ct(orig|repl)(src|dst)$/.test(t)) {
        // conntrack's view of the addresses: their edges are boundaries too
        const n = parseNet(next());
        if (n) f.ctAddrs.push(n);
      } else if (/^--ct(orig|repl)(src|dst)port$/.test(t)) f.dports.push(...portRanges(next()));
      else if (t === "-i" || t === "--in-interface") f.in = { neg, name: next() };
      else if (t === "-o" || t === "--out-interface") f.out = { neg, name: next() };
      else if (t === "-p" || t === "--protocol") f.proto = next();
      else if (t === "--dport" || t === "--destination-port" || t === "--dports" || t === "--destination-ports" || t === "--ports") f.dports.push(...portRanges(next()));
      else if (t === "-j" || t === "-g") f.target = next();
      else if (t === "--to-destination" || t === "--to") {
        const d = parseToDest(next());
        if (d) f.toDest = d;
      } else if (t === "--to-ports") {
        const [a, b] = next().split("-").map(Number);
        if (Number.isInteger(a)) f.toDest = { ports: [a!, b ?? a!] };
      } else if (t === "--src-range" || t === "--dst-range") {
        const [a, b] = next().split("-");
        if (a && b && isIP(a) && isIP(b)) f[t === "--src-range" ? "srcRange" : "dstRange"] = [a, b];
      }
      neg = false;
    }
    out.push(f);
  });
  return out;
}

// ------------------------------------------------------------------ topology

const BRIDGE_NAME = /^(docker\d*|br-|docker_gwbridge|cni|cbr|kube-bridge|virbr|lxcbr|podman|bridge)/;

export interface Scenario {
  name: string;
  family: "ipv4" | "ipv6";
  topology: Topology;
  probes: Probe[];
  /** container namespace -> its addresses (no prefix) */
  containers: Map<string, string[]>;
  /** ports the namespaces must answer on besides the probed ones (DNAT/REDIRECT targets) */
  listen: { tcp: number[]; udp: number[] };
  /** what the engine needs to know about the lab host (HostOptions) */
  hostOptions: { ifaces: string[]; hostAddrs: string[]; defaultIface: string };
}

export interface ScenarioOptions {
  name: string;
  family: "ipv4" | "ipv6";
  /** seed for the random probes */
  seed?: number;
  /** how many seeded random probes to add */
  random?: number;
  /** cap on boundary probes (evenly thinned beyond it) */
  maxBoundary?: number;
  /** extra host addresses the dump implies but this heuristic misses */
  hostAddrs?: string[];
  /** leave out the extra interface "ext9" the dump does not name */
  noExtraIface?: boolean;
}

function isSpecial(a: bigint, v6: boolean): boolean {
  if (v6) return a >> 120n === 0n /* ::/8: unspecified, loopback, v4-compatible */ || a >> 118n === 0x3fan /* fe80::/10 */ || a >> 120n === 0xffn;
  const o = Number(a >> 24n);
  return o === 0 || o === 127 || o >= 224;
}

/** Derives the lab topology and the probes for one dump. */
export function deriveScenario(text: string, opts: ScenarioOptions): Scenario {
  const v6 = opts.family === "ipv6";
  const facts = ruleFacts(text);
  const bits = v6 ? 128 : 32;

  // interfaces: bridges and the uplink
  const named = new Set<string>();
  for (const f of facts) for (const i of [f.in, f.out]) if (i && i.name !== "lo" && !i.name.endsWith("+")) named.add(i.name);
  const bridgeNames = [...named].filter((n) => BRIDGE_NAME.test(n));
  const others = [...named].filter((n) => !BRIDGE_NAME.test(n));
  const uplink = others[0] ?? "eth0";
  // other named interfaces become bridges too: each gets a container behind it,
  // so traffic can arrive on it and be routed to it
  for (const n of others.slice(1)) bridgeNames.push(n);
  // and one interface the dump does not name, "just outside" every -i/-o it
  // tests: a second external link with a neighbour (container) behind it
  if (!opts.noExtraIface) bridgeNames.push("ext9");

  // container addresses: DNAT targets, and /32 (/128) destinations routed out of a bridge
  const containerAddrs = new Map<string, string | null>(); // addr -> bridge hint
  const outBridge = (f: RuleFacts) => (f.out && !f.out.neg && bridgeNames.includes(f.out.name) ? f.out.name : null);
  // Docker's DNAT says `! -i BRIDGE` for the bridge its target lives on
  const dnatBridge = (f: RuleFacts) => outBridge(f) ?? (f.in && f.in.neg && bridgeNames.includes(f.in.name) ? f.in.name : null);
  for (const f of facts) {
    if (f.toDest?.addr && (isIP(f.toDest.addr) === 6) === v6 && f.target === "DNAT") containerAddrs.set(f.toDest.addr, containerAddrs.get(f.toDest.addr) ?? dnatBridge(f));
    const br = outBridge(f);
    if (f.dst && !f.dst.neg && f.dst.net.len === bits && f.dst.net.v6 === v6 && br && !isSpecial(f.dst.net.lo, v6)) {
      const a = fromBig(f.dst.net.lo, v6);
      if (!containerAddrs.get(a)) containerAddrs.set(a, br);
    }
  }

  // bridge subnets: a source or destination network next to a positive bridge match
  const subnets = new Map<string, Net>();
  for (const f of facts) {
    for (const [addr, iface] of [
      [f.src, f.out],
      [f.src, f.in],
      [f.dst, f.out],
      [f.dst, f.in],
    ] as const) {
      // (negated too: an internal network's `! -s SUBNET -o BR -j DROP` names it)
      if (!addr || !iface || !bridgeNames.includes(iface.name) || addr.net.v6 !== v6 || addr.net.len === bits || addr.net.len < 8) continue;
      const masq = f.target === "MASQUERADE" || f.target === "SNAT";
      if (iface.neg && !masq) continue;
      // `-s SUBNET ! -o BR -j MASQUERADE` is Docker's own statement of the subnet
      if (!subnets.has(iface.name) || f.target === "MASQUERADE") subnets.set(iface.name, addr.net);
    }
  }
  for (const [a, h] of containerAddrs) {
    const n = toBig(a);
    const owner = [...subnets].find(([, s]) => inNet(s, n));
    if (owner) containerAddrs.set(a, owner[0]);
    else {
      const br = h ?? bridgeNames.find((b) => !subnets.has(b)) ?? `labbr${subnets.size}`;
      if (!bridgeNames.includes(br)) bridgeNames.push(br);
      if (!subnets.has(br)) subnets.set(br, parseNet(`${a}/${v6 ? 64 : 24}`)!);
      containerAddrs.set(a, br);
    }
  }
  let spare = 0;
  for (const b of bridgeNames) if (!subnets.has(b)) subnets.set(b, parseNet(v6 ? `fd00:${(0xa0 + spare).toString(16)}::/64` : `10.${200 + spare++}.0.0/24`)!), v6 && spare++;

  const bridges: Topology["bridges"] = [];
  const containers: Topology["containers"] = [];
  const containerMap = new Map<string, string[]>();
  const hostOptIfaces: string[] = [];
  for (const b of bridgeNames) {
    const net = subnets.get(b)!;
    const taken = new Set([...containerAddrs].filter(([, br]) => br === b).map(([a]) => toBig(a)));
    let gw = net.lo + 1n;
    while (taken.has(gw)) gw++;
    const gwText = `${fromBig(gw, v6)}/${net.len}`;
    bridges.push({ name: b, addrs: [gwText] });
    hostOptIfaces.push(`${b}=${gwText}`);
    const addrs = [...taken].sort((x, y) => (x < y ? -1 : 1));
    if (!addrs.length) {
      let c = gw + 1n;
      while (taken.has(c)) c++;
      addrs.push(c);
    }
    for (const a of addrs.slice(0, 6)) {
      const ns = `c${containers.length + 1}`;
      containers.push({ ns, bridge: b, addrs: [`${fromBig(a, v6)}/${net.len}`] });
      containerMap.set(ns, [fromBig(a, v6)]);
    }
  }

  // host addresses: destinations DNATed by Docker's nat DOCKER chain, or named in INPUT
  const hostAddrs = new Set(opts.hostAddrs ?? []);
  const allSubnets = [...subnets.values()];
  const inSubnet = (n: bigint) => allSubnets.some((s) => inNet(s, n));
  for (const f of facts) {
    if (!f.dst || f.dst.neg || f.dst.net.len !== bits || f.dst.net.v6 !== v6 || isSpecial(f.dst.net.lo, v6) || inSubnet(f.dst.net.lo)) continue;
    if ((f.table === "nat" && f.chain === "DOCKER") || (f.table === "filter" && f.chain === "INPUT")) hostAddrs.add(fromBig(f.dst.net.lo, v6));
  }
  const hostPrimary = v6 ? HOST_V6 : HOST_V4;
  hostAddrs.delete(hostPrimary);
  // other single destinations in nat (kube ClusterIPs...) are virtual: nobody owns
  // them, the host DNATs them; probes go to them but no namespace gets them
  const virtual = new Set<string>();
  for (const f of facts) {
    if (f.table !== "nat" || !f.dst || f.dst.neg || f.dst.net.len !== bits || f.dst.net.v6 !== v6 || isSpecial(f.dst.net.lo, v6) || inSubnet(f.dst.net.lo)) continue;
    const a = fromBig(f.dst.net.lo, v6);
    if (!hostAddrs.has(a) && a !== hostPrimary) virtual.add(a);
  }

  // client addresses: just inside and just outside every address range the dump names
  const clientPrimary = v6 ? CLIENT_V6 : CLIENT_V4;
  const uplinkNet = parseNet(v6 ? `${HOST_V6}/64` : `${HOST_V4}/24`)!;
  const edges = new Set<bigint>();
  const ranges: Net[] = [];
  for (const f of facts) {
    for (const a of [f.src?.net, f.dst?.net, ...f.ctAddrs]) if (a && a.v6 === v6 && a.len > 0) ranges.push(a);
    for (const r of [f.srcRange, f.dstRange]) if (r && (isIP(r[0]) === 6) === v6) ranges.push({ v6, lo: toBig(r[0]), hi: toBig(r[1]), len: -1 });
  }
  for (const r of ranges) for (const e of [r.lo, r.hi, r.lo - 1n, r.hi + 1n, r.len === bits ? r.lo : r.lo + 1n]) edges.add(e);
  const hostSet = new Set([...hostAddrs].map(toBig));
  const remote: bigint[] = [];
  for (const e of edges) {
    if (e < 0n || e >= 1n << BigInt(bits) || isSpecial(e, v6) || inSubnet(e) || hostSet.has(e) || inNet(uplinkNet, e) || virtual.has(fromBig(e, v6))) continue;
    if (!v6 && (e & 255n) === 255n) continue; // would look like a broadcast to some peers
    remote.push(e);
  }
  remote.sort((a, b) => (a < b ? -1 : 1));
  const clientExtra = remote.slice(0, 48).map((e) => fromBig(e, v6));
  if (!v6 && !clientExtra.includes("172.16.0.10")) clientExtra.unshift("172.16.0.10");

  const topology: Topology = {
    uplink,
    clientAddrs: clientExtra.map((a) => `${a}/${bits}`),
    hostAddrs: [...hostAddrs].map((a) => `${a}/${bits}`),
    bridges,
    containers,
  };

  // ports: every port and range edge named, published and DNAT target ports, a few usual ones
  const ports = new Map<Proto, Set<number>>([["tcp", new Set([22, 80, 443, 8080])], ["udp", new Set([53])]]);
  for (const f of facts) {
    const protos: Proto[] = f.proto === "tcp" || f.proto === "udp" ? [f.proto] : ["tcp", "udp"];
    const add = (p: number) => p > 0 && p < 65536 && (p < 40000 || p > 59999) && protos.forEach((pr) => ports.get(pr)!.add(p));
    for (const [lo, hi] of f.dports) for (const p of [lo - 1, lo, hi, hi + 1]) add(p);
    if (f.toDest?.ports) for (const p of f.toDest.ports) add(p);
  }

  const listen = { tcp: new Set<number>(), udp: new Set<number>() };
  for (const f of facts) {
    const r = f.toDest?.ports;
    if (!r || r[1] - r[0] > 16) continue;
    for (let p = r[0]; p <= r[1]; p++) for (const pr of f.proto === "udp" ? ["udp"] : f.proto === "tcp" ? ["tcp"] : ["tcp", "udp"]) listen[pr as "tcp" | "udp"].add(p);
  }

  // who can send: (namespace, source address)
  const senders: { from: string; src: string; via: string }[] = [{ from: CLIENT, src: clientPrimary, via: uplink }];
  for (const a of clientExtra) senders.push({ from: CLIENT, src: a, via: uplink });
  for (const c of containers) senders.push({ from: c.ns, src: c.addrs[0]!.split("/")[0]!, via: c.bridge });
  senders.push({ from: HOST, src: hostPrimary, via: "" });
  const targets = [hostPrimary, ...hostAddrs, ...virtual, ...containers.map((c) => c.addrs[0]!.split("/")[0]!), ...bridges.map((b) => b.addrs[0]!.split("/")[0]!), clientPrimary, ...clientExtra];
  if (!v6) targets.push("127.0.0.1");

  const owned = new Map<string, Set<string>>();
  for (const s of senders) owned.set(s.from, (owned.get(s.from) ?? new Set()).add(s.src));
  for (const a of [...hostAddrs, ...bridges.map((b) => b.addrs[0]!.split("/")[0]!)]) owned.get(HOST)!.add(a);
  const probes: Probe[] = [];
  const seen = new Set<string>();
  const add = (s: (typeof senders)[number], dst: string, proto: Proto, dport: number) => {
    if (s.src === dst || owned.get(s.from)?.has(dst)) return; // never leaves the sender
    if (dst.startsWith("127.") && s.from !== HOST) return; // only the host itself can reach its loopback (see README)
    const k = `${s.from}|${s.src}|${dst}|${proto}|${dport}`;
    if (seen.has(k)) return;
    seen.add(k);
    probes.push({ id: `${opts.name}#${probes.length}`, from: s.from, proto, src: s.src, dst, dport: proto === "icmp" ? 0 : dport });
  };
  const portList = [...ports].flatMap(([proto, set]) => [...set].sort((a, b) => a - b).map((p) => [proto, p] as const));
  // boundaries: every port from the client to every host/container address...
  for (const dst of targets.slice(0, 1 + hostAddrs.size + virtual.size + containers.length)) for (const [proto, p] of portList) add(senders[0]!, dst, proto, p);
  // ...every client source at the published/named ports of the host
  for (const s of senders.filter((x) => x.from === CLIENT)) for (const [proto, p] of portList.slice(0, 12)) add(s, hostPrimary, proto, p);
  // ...every container and the host towards every target on the usual ports, and ICMP everywhere
  for (const s of senders.filter((x) => x.from !== CLIENT)) for (const dst of targets) for (const [proto, p] of [["tcp", 80], ["udp", 53], ["icmp", 0]] as const) add(s, dst, proto, p);
  for (const dst of targets) add(senders[0]!, dst, "icmp", 0);
  const cap = opts.maxBoundary ?? 160;
  const boundary = probes.length > cap ? probes.filter((_, i) => i % Math.ceil(probes.length / cap) === 0) : probes.slice();

  // seeded random combinations of the same ingredients
  const rand = rng(opts.seed ?? 1);
  const pick = <T>(l: readonly T[]): T => l[Math.floor(rand() * l.length)]!;
  const before = probes.length;
  for (let i = 0; i < (opts.random ?? 40) * 4 && probes.length - before < (opts.random ?? 40); i++) {
    const [proto, p] = rand() < 0.1 ? (["icmp", 0] as const) : pick(portList);
    add(pick(senders), pick(targets), proto, p);
  }
  const randomProbes = probes.slice(before);
  const all = [...boundary, ...randomProbes].map((p, i) => ({ ...p, id: `${opts.name}#${i}` }));

  return {
    name: opts.name,
    family: opts.family,
    topology,
    probes: all,
    containers: containerMap,
    listen: { tcp: [...listen.tcp], udp: [...listen.udp] },
    hostOptions: { ifaces: [`${uplink}=${hostPrimary}/${v6 ? 64 : 24}`, ...topology.hostAddrs.map((a) => `${uplink}=${a}`), ...hostOptIfaces], hostAddrs: [...hostAddrs], defaultIface: uplink },
  };
}
