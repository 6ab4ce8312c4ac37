// The kernel differential lab: a throw-away network of namespaces (client, host,
// Docker bridges, containers) inside a private unshare sandbox, where a ruleset is
// loaded into the real kernel, real probes are sent, and the kernel's own rule
// path for each probe's first packet is recorded from nf_tables trace events.
//
//   const lab = await Lab.open(topology);
//   await lab.reset(); await lab.loadIptables(text, "ipv4");
//   const results = await lab.probe(probes, { trace: true });
//   await lab.close();
//
// Topology, probe generation from a dump and the engine comparison live in
// test/helpers/lab/*.ts; this file is the entry point the other tests import.
import { writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { describeKernel, kernelCheck, type KernelStatus } from "./kernel.js";
import { LabError, Sandbox } from "./lab/sandbox.js";
import { mapHandles, replay, type Load } from "./lab/rulemap.js";
import { assemble, firstPackets, parseTraceLine, tupleKey, LAB_TABLE, type KernelPath, type TraceEvent } from "./lab/nftrace.js";

export { LabError } from "./lab/sandbox.js";
export { verifyInLab, compareLoads, loadAll, type Expectation, type Want, type Verdict } from "./lab/verify.js";
export { deriveScenario, type Scenario } from "./lab/scenario.js";
export type { Load } from "./lab/rulemap.js";
export type { KernelPath, KernelStep, PacketHeader } from "./lab/nftrace.js";

const here = (f: string) => fileURLToPath(new URL(`./lab/${f}`, import.meta.url));
const PYTHON = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", ""]).status === 0) ?? "python3";

// ------------------------------------------------------------------ topology

/** The client side of the lab: one namespace behind the host's uplink. */
export const CLIENT = "client";
export const HOST = "host";
/** Host side of the uplink; fixed so that tests can name it. */
export const HOST_V4 = "198.51.100.1";
export const HOST_V6 = "2001:db8:100::1";
export const CLIENT_V4 = "198.51.100.10";
export const CLIENT_V6 = "2001:db8:100::10";

export interface Topology {
  /** the host's interface towards the client (the dump's external interface, e.g. eth0) */
  uplink: string;
  /** extra client addresses (CIDR, usually /32 or /128): sources the probes need; the host routes them back via the client */
  clientAddrs: string[];
  /** extra host addresses (CIDR) put on the uplink, e.g. a published -d address */
  hostAddrs: string[];
  bridges: { name: string; addrs: string[] }[];
  /** ns: namespace name; addrs: CIDRs on its eth0; default routes via its bridge's gateways */
  containers: { ns: string; bridge: string; addrs: string[] }[];
}

export function defaultTopology(): Topology {
  return {
    uplink: "eth0",
    clientAddrs: ["172.16.0.10/32"],
    hostAddrs: [],
    bridges: [{ name: "docker0", addrs: ["172.17.0.1/16", "fd00:17::1/64"] }],
    containers: [{ ns: "c1", bridge: "docker0", addrs: ["172.17.0.2/16", "fd00:17::2/64"] }],
  };
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const NSNAME = /^[a-z][a-z0-9-]{0,30}$/;

function checkCidr(c: string): { addr: string; len: number; v6: boolean } {
  const [addr = "", len = ""] = c.split("/");
  const fam = isIP(addr);
  if (!fam || !/^\d+$/.test(len) || Number(len) > (fam === 6 ? 128 : 32)) throw new LabError(`bad address ${JSON.stringify(c)}`);
  return { addr, len: Number(len), v6: fam === 6 };
}

function validate(t: Topology) {
  for (const n of [t.uplink, ...t.bridges.map((b) => b.name)]) if (!IFNAME.test(n) || n === "lo") throw new LabError(`bad interface name ${JSON.stringify(n)}`);
  for (const c of t.containers) {
    if (!NSNAME.test(c.ns) || c.ns === CLIENT || c.ns === HOST) throw new LabError(`bad container namespace ${JSON.stringify(c.ns)}`);
    if (!t.bridges.some((b) => b.name === c.bridge)) throw new LabError(`container ${c.ns}: no bridge ${c.bridge}`);
  }
  for (const c of [...t.clientAddrs, ...t.hostAddrs, ...t.bridges.flatMap((b) => b.addrs), ...t.containers.flatMap((c) => c.addrs)]) checkCidr(c);
}

// ------------------------------------------------------------------ probes

export type Proto = "tcp" | "udp" | "icmp";

export interface Probe {
  id: string;
  /** namespace that sends it: "client", "host" or a container's ns */
  from: string;
  proto: Proto;
  src: string;
  dst: string;
  /** 0: the lab picks a unique one (so the trace can find the flow) */
  sport?: number;
  /** ignored for icmp */
  dport: number;
}

export interface Answer {
  /** namespace whose listener answered */
  ns: string;
  /** the sender as the listener saw it (post-SNAT) */
  peer: { addr: string; port: number };
  /** where the packet arrived (post-DNAT) */
  local: { addr: string; port: number };
}

export interface ProbeResult {
  probe: Probe & { sport: number };
  result: "open" | "refused" | "unreachable" | "timeout" | "error";
  /** errno name for refused/unreachable/error */
  code?: string;
  /** parsed listener line; absent for ICMP (the kernel answers echo itself) */
  answer?: Answer;
  ms: number;
  /** first packet's rule path; only with { trace: true } */
  kernel?: KernelPath | null;
  /** sent a second time because the first timeout was not explained by the trace */
  retried?: boolean;
  /** the lab namespace owning the destination the trace last saw (post-DNAT), if any */
  destOwner?: string | null;
}

const SPORT_LO = 40000;
const SPORT_HI = 59999;

// ------------------------------------------------------------------ the lab

export interface ProbeOptions {
  /** record each probe's first-packet rule path (nft monitor trace) */
  trace?: boolean;
  /** per probe; probes run concurrently, so a batch costs about one timeout */
  timeoutMs?: number;
  parallel?: number;
  /**
   * send again, with more time, the probes whose result is suspect (default on):
   * with trace, those the kernel's trace does not explain; without, every timeout
   */
  retry?: boolean;
  /** more ports to answer on besides the probed ones, e.g. DNAT target ports */
  listen?: { tcp?: number[]; udp?: number[] };
}

const DEFAULT_TIMEOUT_MS = 500;

export type KernelOutcome = "local" | "forwarded" | "dropped" | "rejected";

/**
 * What the kernel did with a probe, from its trace: the last verdict (a DROP by a
 * REJECT rule is "rejected"), and whether INPUT was reached. `consistent` says
 * whether the probe saw what the trace says (answered by the host for local; for
 * forwarded, by someone else, or by nobody when no lab namespace owns the
 * destination; nothing for a drop; an error for a reject).
 */
export function kernelOutcome(r: ProbeResult): { outcome: KernelOutcome | null; consistent: boolean; why?: string } {
  const steps = r.kernel?.steps ?? [];
  const last = steps.at(-1);
  if (!last) return { outcome: null, consistent: false, why: "no trace for the first packet" };
  const outcome: KernelOutcome = /^drop/.test(last.verdict)
    ? /\s-j\s+REJECT\b/.test(` ${last.ruleText ?? ""}`) ? "rejected" : "dropped"
    : steps.some((s) => s.hook === "input") ? "local" : "forwarded";
  const res = r.result;
  // a packet the host's own OUTPUT drops fails the send with EPERM
  const perm = r.code === "EPERM";
  const consistent =
    outcome === "local" ? res === "open" && (!r.answer || r.answer.ns === HOST)
    : outcome === "forwarded" ? (res === "open" && (!r.answer || r.answer.ns !== HOST)) || (!r.destOwner && (res === "timeout" || res === "unreachable"))
    : outcome === "dropped" ? res === "timeout" || perm
    : res === "refused" || res === "unreachable" || perm;
  return consistent ? { outcome, consistent } : { outcome, consistent, why: `trace says ${outcome} but the probe got ${res}${r.code ? ` (${r.code})` : ""}${r.answer ? ` from ${r.answer.ns}` : ""}` };
}

export class Lab {
  private topo: Topology | null = null;
  private listeners = new Map<string, { proc: ChildProcess; lines: string[]; wake: (() => void) | null; tcp: Set<number>; udp: Set<number> }>();
  private loads: Load[] = [];
  private nextSport = SPORT_LO;

  private constructor(readonly sandbox: Sandbox) {}

  /** Starts a sandbox and builds the topology in it. */
  static async open(topology: Topology = defaultTopology()): Promise<Lab> {
    const lab = new Lab(await Sandbox.start());
    try {
      await lab.setTopology(topology);
    } catch (e) {
      await lab.close();
      throw e;
    }
    return lab;
  }

  get topology(): Topology | null {
    return this.topo;
  }

  get loaded(): readonly Load[] {
    return this.loads;
  }

  /** Rebuilds every namespace unless the topology is the one already there. */
  async setTopology(t: Topology): Promise<void> {
    validate(t);
    if (this.topo && JSON.stringify(this.topo) === JSON.stringify(t)) return;
    if (this.topo && JSON.stringify({ ...this.topo, clientAddrs: [] }) === JSON.stringify({ ...t, clientAddrs: [] })) {
      await this.setClientAddrs(t.clientAddrs);
      return;
    }
    await this.teardown();
    await this.build(t);
    this.topo = structuredClone(t);
  }

  /** address -> the lab namespace that has it */
  private owners(): Map<string, string> {
    const t = this.topo!;
    const m = new Map<string, string>();
    const plain = (c: string) => c.split("/")[0]!;
    for (const a of [CLIENT_V4, CLIENT_V6, ...t.clientAddrs.map(plain)]) m.set(a, CLIENT);
    for (const a of [HOST_V4, HOST_V6, ...t.hostAddrs.map(plain), ...t.bridges.flatMap((b) => b.addrs.map(plain))]) m.set(a, HOST);
    for (const c of t.containers) for (const a of c.addrs) m.set(plain(a), c.ns);
    return m;
  }

  /** Only the client's extra addresses differ: change those in place (much cheaper than a rebuild). */
  private async setClientAddrs(want: readonly string[]) {
    const have = this.topo!.clientAddrs;
    const gone = have.filter((a) => !want.includes(a));
    const added = want.filter((a) => !have.includes(a));
    const hostRoute = (a: string) => {
      const { addr, v6 } = checkCidr(a);
      return `${addr}/${v6 ? 128 : 32} via ${v6 ? CLIENT_V6 : CLIENT_V4}`;
    };
    const nodad = (a: string) => (a.includes(":") ? " nodad" : "");
    const cb = [...gone.map((a) => `addr del ${a} dev eth0`), ...added.map((a) => `addr add ${a} dev eth0${nodad(a)}`)];
    const hb = [...gone.map((a) => `route del ${hostRoute(a)}`), ...added.map((a) => `route add ${hostRoute(a)}`)];
    if (cb.length) await this.sandbox.must(null, ["ip", "-n", CLIENT, "-batch", "-"], { input: cb.join("\n") + "\n" });
    if (hb.length) await this.sandbox.must(null, ["ip", "-n", HOST, "-batch", "-"], { input: hb.join("\n") + "\n" });
    this.topo = { ...this.topo!, clientAddrs: [...want] };
    // the client's UDP sockets are per address: bind the new ones on the next probe
    const l = this.listeners.get(CLIENT);
    if (l) l.udp.clear();
  }

  private namespaces(t: Topology): string[] {
    return [CLIENT, HOST, ...t.containers.map((c) => c.ns)];
  }

  private async teardown() {
    for (const l of this.listeners.values()) l.proc.stdin?.end();
    this.listeners.clear();
    if (!this.topo) return;
    for (const ns of this.namespaces(this.topo)) await this.sandbox.run(null, ["ip", "netns", "del", ns]);
    this.topo = null;
  }

  private async build(t: Topology) {
    const sb = this.sandbox;
    const nss = this.namespaces(t);
    // one `ip` process per step, not per namespace or link: each spawn costs
    await sb.must(null, ["ip", "-batch", "-"], { input: nss.map((ns) => `netns add ${ns}\n`).join("") });
    await Promise.all(
      nss.map((ns) =>
        sb.must(ns, [
          "sysctl", "-qw",
          // no DAD: a tentative IPv6 address delays the first probes by ~1 s
          "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0",
          "net.ipv6.conf.default.accept_ra=0", "net.ipv4.ping_group_range=0 2147483647",
          // REJECT answers with ICMP errors, which the kernel rate-limits per peer:
          // with hundreds of probes from one client most would vanish
          "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0", "net.ipv4.icmp_msgs_per_sec=1000000", "net.ipv4.icmp_msgs_burst=1000000",
        ]),
      ),
    );
    // bridges first, so the two ends of each veth get different ifindexes (equal
    // ones make the kernel treat carrier-up as non-urgent and delay it up to 1 s)
    const hostBatch: string[] = ["link set lo up"];
    for (const b of t.bridges) hostBatch.push(`link add ${b.name} type bridge`);
    await sb.must(null, ["ip", "-n", HOST, "-batch", "-"], { input: hostBatch.join("\n") + "\n" });
    const veths = [`link add eth0 netns ${CLIENT} type veth peer name ${t.uplink} netns ${HOST}`];
    for (const [i, c] of t.containers.entries()) veths.push(`link add vc${i} netns ${HOST} type veth peer name eth0 netns ${c.ns}`);
    await sb.must(null, ["ip", "-batch", "-"], { input: veths.join("\n") + "\n" });
    const v4 = (l: string[]) => l.filter((a) => !a.includes(":"));
    const v6 = (l: string[]) => l.filter((a) => a.includes(":"));
    const hb: string[] = [];
    hb.push(`addr add ${HOST_V4}/24 dev ${t.uplink}`, `addr add ${HOST_V6}/64 dev ${t.uplink} nodad`);
    for (const a of t.hostAddrs) hb.push(`addr add ${a} dev ${t.uplink}${a.includes(":") ? " nodad" : ""}`);
    hb.push(`link set ${t.uplink} up`);
    for (const b of t.bridges) {
      for (const a of b.addrs) hb.push(`addr add ${a} dev ${b.name}${a.includes(":") ? " nodad" : ""}`);
      hb.push(`link set ${b.name} up`);
    }
    // hairpin: a container may reach itself through the host (DNAT back to its
    // own address), as Docker sets up; without it the bridge drops such frames
    for (const [i, c] of t.containers.entries()) hb.push(`link set vc${i} master ${c.bridge}`, `link set dev vc${i} type bridge_slave hairpin on`, `link set vc${i} up`);
    // the client is "the rest of the world": anything not on a lab link goes there
    hb.push(`route add default via ${CLIENT_V4}`, `route add default via ${CLIENT_V6}`);
    for (const a of t.clientAddrs) {
      const { addr, v6: six } = checkCidr(a);
      hb.push(`route add ${addr}/${six ? 128 : 32} via ${six ? CLIENT_V6 : CLIENT_V4}`);
    }
    const cb = [
      "link set lo up",
      `addr add ${CLIENT_V4}/24 dev eth0`,
      `addr add ${CLIENT_V6}/64 dev eth0 nodad`,
      ...t.clientAddrs.map((a) => `addr add ${a} dev eth0${a.includes(":") ? " nodad" : ""}`),
      "link set eth0 up",
      `route add default via ${HOST_V4}`,
      `route add default via ${HOST_V6}`,
    ];
    const batches: Promise<string>[] = [sb.must(null, ["ip", "-n", CLIENT, "-batch", "-"], { input: cb.join("\n") + "\n" })];
    for (const c of t.containers) {
      const br = t.bridges.find((b) => b.name === c.bridge)!;
      const batch = ["link set lo up", ...c.addrs.map((a) => `addr add ${a} dev eth0${a.includes(":") ? " nodad" : ""}`), "link set eth0 up"];
      const gw4 = v4(br.addrs)[0];
      const gw6 = v6(br.addrs)[0];
      if (gw4 && v4(c.addrs).length) batch.push(`route add default via ${gw4.split("/")[0]}`);
      if (gw6 && v6(c.addrs).length) batch.push(`route add default via ${gw6.split("/")[0]}`);
      batches.push(sb.must(null, ["ip", "-n", c.ns, "-batch", "-"], { input: batch.join("\n") + "\n" }));
    }
    await Promise.all(batches);
    await sb.must(null, ["ip", "-n", HOST, "-batch", "-"], { input: hb.join("\n") + "\n" });
    // like a Docker host: routing on, bridged traffic visible to iptables
    await sb.must(HOST, ["sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", "net.bridge.bridge-nf-call-iptables=1", "net.bridge.bridge-nf-call-ip6tables=1"]);
    this.topo = structuredClone(t);
    await this.reset();
    await this.waitLinks(t);
  }

  /** Waits (empty firewall) until ICMP echo works on every link, so no probe pays a 1 s retransmit. */
  private async waitLinks(t: Topology) {
    const checks: Probe[] = [
      { id: "l4", from: CLIENT, proto: "icmp", src: CLIENT_V4, dst: HOST_V4, dport: 0 },
      { id: "l6", from: CLIENT, proto: "icmp", src: CLIENT_V6, dst: HOST_V6, dport: 0 },
    ];
    for (const c of t.containers) {
      const br = t.bridges.find((b) => b.name === c.bridge)!;
      for (const a of c.addrs) {
        const six = a.includes(":");
        const gw = br.addrs.find((g) => g.includes(":") === six);
        if (gw) checks.push({ id: `${c.ns}-${a}`, from: c.ns, proto: "icmp", src: a.split("/")[0]!, dst: gw.split("/")[0]!, dport: 0 });
      }
    }
    let pending = checks;
    for (let round = 0; round < 100 && pending.length; round++) {
      const res = await this.probe(pending, { timeoutMs: 50 });
      pending = pending.filter((_, i) => res[i]!.result !== "open");
    }
    if (pending.length) throw new LabError(`lab links did not come up: ${pending.map((p) => `${p.from} ${p.src} -> ${p.dst}`).join(", ")}`);
  }

  // -------------------------------------------------------------- rulesets

  /** Empties the host firewall (every nftables table, iptables-nft's included) and conntrack. */
  async reset(): Promise<void> {
    await this.sandbox.must(HOST, ["nft", "flush", "ruleset"]);
    this.loads = [];
    await this.labTable();
    await this.flushConntrack();
  }

  /** iptables-restore (or ip6tables-restore) of TEXT into the host; noflush = --noflush (a patch). */
  async loadIptables(text: string, family: "ipv4" | "ipv6", opts: { noflush?: boolean; label?: string } = {}): Promise<void> {
    const cmd = family === "ipv6" ? "ip6tables-restore" : "iptables-restore";
    await this.sandbox.must(HOST, opts.noflush ? [cmd, "--noflush"] : [cmd], { input: text });
    this.loads.push({ kind: "iptables", family, text, label: opts.label ?? `load${this.loads.length + 1}`, noflush: !!opts.noflush });
    await this.flushConntrack();
  }

  /** nft -f of TEXT into the host (on top of what is loaded; start it with `flush ruleset` to replace). */
  async loadNft(text: string, opts: { label?: string } = {}): Promise<void> {
    await this.sandbox.must(HOST, ["nft", "-f", "-"], { input: text });
    this.loads.push({ kind: "nft", text, label: opts.label ?? `load${this.loads.length + 1}` });
    // the text may have flushed the whole ruleset, ours included
    await this.labTable();
    await this.flushConntrack();
  }

  /** conntrack -F: a rule change does not affect flows conntrack already knows. */
  async flushConntrack(): Promise<void> {
    const r = await this.sandbox.run(HOST, ["conntrack", "-F"]);
    // exit 1 with "0 flow entries" when the table is empty or not loaded yet
    if (r.code !== 0 && !/flow entries have been deleted|0 flow entries/.test(r.stderr + r.stdout)) {
      throw new LabError(`conntrack -F failed: ${r.stderr.trim()}`);
    }
  }

  /** iptables-save / ip6tables-save of the host, as the kernel holds it. */
  save(family: "ipv4" | "ipv6"): Promise<string> {
    return this.sandbox.must(HOST, [family === "ipv6" ? "ip6tables-save" : "iptables-save"]);
  }

  // -------------------------------------------------------------- listeners

  private async listener(ns: string) {
    let l = this.listeners.get(ns);
    if (l) return l;
    const proc = this.sandbox.spawn(ns, [process.execPath, here("listen.mjs"), ns]);
    const rec = { proc, lines: [] as string[], wake: null as (() => void) | null, tcp: new Set<number>(), udp: new Set<number>() };
    let buf = "";
    proc.stdout!.on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        rec.lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
        rec.wake?.();
      }
    });
    proc.on("exit", () => rec.wake?.());
    this.listeners.set(ns, rec);
    return rec;
  }

  /** Makes NS answer on these ports (adds to what it already listens on). */
  async listen(ns: string, tcp: readonly number[], udp: readonly number[]): Promise<void> {
    const l = await this.listener(ns);
    const newTcp = tcp.filter((p) => p > 0 && !l.tcp.has(p));
    const newUdp = udp.filter((p) => p > 0 && !l.udp.has(p));
    if (!newTcp.length && !newUdp.length) return;
    l.lines = [];
    l.proc.stdin!.write(JSON.stringify({ tcp: newTcp, udp: newUdp }) + "\n");
    const deadline = Date.now() + 10_000;
    while (!l.lines.length) {
      if (l.proc.exitCode !== null || Date.now() > deadline) throw new LabError(`listener in ${ns} did not start`);
      await new Promise<void>((r) => {
        l.wake = r;
        setTimeout(r, 200);
      });
    }
    const line = l.lines.shift()!;
    if (line !== "ready") throw new LabError(`listener in ${ns}: ${line}`);
    for (const p of newTcp) l.tcp.add(p);
    for (const p of newUdp) l.udp.add(p);
  }

  // -------------------------------------------------------------- probes

  private allocSport(): number {
    const p = this.nextSport;
    this.nextSport = p >= SPORT_HI ? SPORT_LO : p + 1;
    return p;
  }

  /**
   * Sends the probes (concurrently, bounded timeouts) after making every lab
   * namespace listen on every probed port, so that any packet that arrives
   * somewhere is answered and "timeout" means dropped.
   */
  async probe(probes: readonly Probe[], opts: ProbeOptions = {}): Promise<ProbeResult[]> {
    if (!this.topo) throw new LabError("lab has no topology");
    const nss = this.namespaces(this.topo);
    for (const p of probes) if (!nss.includes(p.from)) throw new LabError(`probe ${p.id}: no namespace ${p.from}`);
    const first = await this.probeOnce(probes, opts);
    if (opts.retry === false) return first;
    // On a loaded machine an answer can miss the timeout, and a rare clash of a
    // randomised NAT port with an old flow can reset one. With a trace, a result
    // is only believed when the kernel's own trace explains it; without one,
    // every timeout is suspect. Those go again (new source port, so a new flow)
    // with more time.
    const suspect = (r: ProbeResult) => (opts.trace ? !kernelOutcome(r).consistent : r.result === "timeout");
    const again = first.map((r, i) => (suspect(r) ? i : -1)).filter((i) => i >= 0);
    if (!again.length) return first;
    const retried = await this.probeOnce(
      again.map((i) => ({ ...probes[i]!, sport: 0 })),
      { ...opts, timeoutMs: Math.max(2000, 2 * (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)), parallel: 16 },
    );
    again.forEach((i, k) => (first[i] = { ...retried[k]!, retried: true }));
    return first;
  }

  private async probeOnce(probes: readonly Probe[], opts: ProbeOptions): Promise<ProbeResult[]> {
    const nss = this.namespaces(this.topo!);
    const sent = probes.map((p) => ({ ...p, sport: p.sport || this.allocSport() }));
    const tcp = [...new Set([...sent.filter((p) => p.proto === "tcp").map((p) => p.dport), ...(opts.listen?.tcp ?? [])])];
    const udp = [...new Set([...sent.filter((p) => p.proto === "udp").map((p) => p.dport), ...(opts.listen?.udp ?? [])])];
    if (tcp.length || udp.length) await Promise.all(nss.map((ns) => this.listen(ns, tcp, udp)));

    const monitor = opts.trace ? await this.startTrace() : null;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const parallel = opts.parallel ?? 64;
    const raw = new Map<string, { result: ProbeResult["result"]; code?: string; answer?: string; ms: number }>();
    const jobs: Promise<void>[] = [];
    for (const ns of new Set(sent.map((p) => p.from))) {
      const mine = sent.filter((p) => p.from === ns);
      const l4 = mine.filter((p) => p.proto !== "icmp");
      const icmp = mine.filter((p) => p.proto === "icmp");
      const run = async (argv: string[], list: typeof sent) => {
        const input = JSON.stringify({ timeoutMs, parallel, probes: list.map((p, i) => ({ id: i, proto: p.proto, src: p.src, dst: p.dst, sport: p.sport, dport: p.dport })) });
        const out = await this.sandbox.must(ns, argv, { input, timeoutMs: 30_000 + (list.length / parallel) * timeoutMs * 2 });
        const res = JSON.parse(out) as { id: number; result: ProbeResult["result"]; code?: string; answer?: string; ms: number }[];
        res.forEach((r, i) => raw.set(`${ns}\0${list[i]!.id}`, r));
      };
      if (l4.length) jobs.push(run([process.execPath, here("probe.mjs")], l4));
      if (icmp.length) jobs.push(run([PYTHON, here("icmp_probe.py")], icmp));
    }
    try {
      await Promise.all(jobs);
    } finally {
      if (monitor) await monitor.stop();
    }
    const paths = monitor ? await monitor.paths() : null;
    const owners = this.owners();
    return sent.map((p) => {
      const r = raw.get(`${p.from}\0${p.id}`);
      if (!r) throw new LabError(`probe ${p.id} has no result`);
      const out: ProbeResult = { probe: p, result: r.result, ms: r.ms };
      if (r.code) out.code = r.code;
      const a = r.answer ? parseAnswer(r.answer) : null;
      if (a) out.answer = a;
      if (paths) {
        out.kernel = paths.get(tupleKey({ proto: p.proto, src: p.src, sport: p.sport, dst: p.dst, dport: p.proto === "icmp" ? 0 : p.dport })) ?? null;
        const dst = out.kernel?.seen.at(-1)?.hdr.dst;
        if (dst) out.destOwner = owners.get(dst) ?? null;
      }
      return out;
    });
  }

  // -------------------------------------------------------------- tracing

  /**
   * The lab's own table, present whatever is loaded. At priority raw-10 (before
   * every iptables table) it marks probe packets for tracing: TCP SYNs and UDP
   * from the probe source ports, ICMP echo requests, the canary. Its `ct` rule
   * keeps conntrack on: nf_tables only enables conntrack (and so only calls nat
   * chains) when some rule needs it, and a ruleset with an empty nat table and
   * no NAT rule would otherwise skip nat entirely. Every Docker host has
   * conntrack on.
   */
  private async labTable() {
    const sel = [
      `tcp sport ${SPORT_LO}-${SPORT_HI} tcp flags & (syn | ack) == syn meta nftrace set 1`,
      `udp sport ${SPORT_LO}-${SPORT_HI} meta nftrace set 1`,
      "icmp type echo-request meta nftrace set 1",
      "icmpv6 type echo-request meta nftrace set 1",
      "udp dport 65009 meta nftrace set 1",
      "ct state invalid counter",
    ];
    const table = [
      `table inet ${LAB_TABLE}`,
      `delete table inet ${LAB_TABLE}`,
      `table inet ${LAB_TABLE} {`,
      `  chain pre { type filter hook prerouting priority raw - 10; policy accept; ${sel.join("; ")}; }`,
      `  chain out { type filter hook output priority raw - 10; policy accept; ${sel.join("; ")}; }`,
      "}",
    ].join("\n");
    await this.sandbox.must(HOST, ["nft", "-f", "-"], { input: table + "\n" });
  }

  private async startTrace() {
    const sb = this.sandbox;
    const listJson = await sb.must(HOST, ["nft", "-j", "list", "ruleset"]);
    const ruleset = mapHandles(listJson, replay(this.loads));
    // nft caches rule text when it starts: start it after the last ruleset change.
    // The sh wrapper ends the monitor when we close its stdin (no kill by name).
    const proc = sb.spawn(HOST, ["sh", "-c", 'stdbuf -oL nft -a monitor trace & p=$!; cat >/dev/null; kill $p; wait $p', "lab-trace"]);
    const events: TraceEvent[] = [];
    let errors = "";
    proc.stderr!.on("data", (d) => (errors += d));
    let buf = "";
    let canaries = 0;
    let wake: (() => void) | null = null;
    const rawLog: string[] | null = process.env.DOCKWALL_LAB_TRACE_LOG ? [] : null;
    proc.stdout!.on("data", (d) => {
      buf += d;
      rawLog?.push(String(d));
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const ev = parseTraceLine(line);
        if (!ev) continue;
        if (ev.type === "packet" && ev.hdr?.dport === 65009 && ev.hdr.proto === "udp") {
          canaries++;
          wake?.();
          continue;
        }
        events.push(ev);
      }
    });
    const canary = async () => {
      const seen = canaries;
      for (let i = 0; i < 100 && canaries === seen; i++) {
        // from the host itself: traced in our output chain whatever the ruleset does
        await sb.run(HOST, ["bash", "-c", "echo canary >/dev/udp/127.0.0.1/65009"]);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 30);
        });
      }
      return canaries > seen;
    };
    if (!(await canary())) {
      proc.stdin!.end();
      throw new LabError("nft monitor trace never reported the canary packet");
    }
    const drop = events.length;
    events.splice(0, drop);
    return {
      stop: async () => {
        const ok = await canary();
        proc.stdin!.end();
        await new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.on("close", () => r())));
        // debugging aid: the raw monitor output of the last traced batch
        if (rawLog) writeFileSync(process.env.DOCKWALL_LAB_TRACE_LOG!, rawLog.join(""));
        if (!ok) throw new LabError("end canary not seen: trace may be incomplete");
        // lost netlink events would silently shorten rule paths
        const trouble = errors.split("\n").filter((l) => l.trim() && !/^(sh: \d+: )?Terminated$/.test(l.trim()));
        if (trouble.length) throw new LabError(`nft monitor trace: ${trouble.join("; ")}`);
      },
      paths: async () => {
        const packets = assemble(events, ruleset);
        return firstPackets(packets);
      },
      ruleset,
    };
  }

  async close(): Promise<void> {
    for (const l of this.listeners.values()) l.proc.stdin?.end();
    this.listeners.clear();
    await this.sandbox.close();
  }
}

function parseAnswer(s: string): Answer | undefined {
  const m = /^(\S+) (\S+):(\d+) (\S+):(\d+)$/.exec(s.trim());
  if (!m) return undefined;
  return { ns: m[1]!, peer: { addr: m[2]!, port: Number(m[3]) }, local: { addr: m[4]!, port: Number(m[5]) } };
}

// ------------------------------------------------------------------ test gating

let labStatus: KernelStatus | undefined;

/** kernelCheck() plus what the lab needs on top: mount+pid namespaces, nsenter, node and python in them. */
export function labCheck(): KernelStatus {
  if (labStatus) return labStatus;
  const k = kernelCheck();
  if (!k.ok) return (labStatus = k);
  for (const tool of ["nsenter", "unshare", "ip", "stdbuf", "conntrack", "bash"]) {
    if (spawnSync("sh", ["-c", 'command -v "$1"', "sh", tool]).status !== 0) return (labStatus = { ok: false, reason: `${tool} not found` });
  }
  if (spawnSync(PYTHON, ["-c", "import socket"]).status !== 0) return (labStatus = { ok: false, reason: "python3 not found (ICMP probes)" });
  const u = spawnSync("unshare", ["--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "true"], { encoding: "utf8" });
  if (u.status !== 0) return (labStatus = { ok: false, reason: `cannot create mount/net/pid namespaces: ${u.stderr.trim()}` });
  return (labStatus = { ok: true });
}

/** describe() for lab tests: skip with a printed reason, but fail under CI=true. */
export function describeLab(name: string, body: () => void): void {
  describeKernel(name, body, labCheck);
}
