// `dockwall trace`: what the dump does to one packet, rule by rule.
import { Chalk } from "chalk";
import { Option, type Command } from "commander";
import { parse } from "../../extensions/index.js";
import { EngineInputError, inferHost, trace, type TracePacket, type TraceResult } from "../../engine/api.js";
import { readInput, UsageError, warnAll } from "../io.js";
import { useColor } from "./lint.js";

interface TraceOpts {
  src?: string;
  dst?: string;
  proto: string;
  sport?: string;
  dport?: string;
  icmpType?: string;
  in?: string;
  out?: string;
  state: "new" | "established" | "related" | "invalid" | "reply";
  origSrc?: string;
  origDst?: string;
  origPortSrc?: string;
  origPortDst?: string;
  fromHost?: boolean;
  hostAddr: string[];
  iface: string[];
  defaultIface?: string;
  format: "text" | "json";
}

const collect = (v: string, prev: string[]) => [...prev, v];

function port(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`${name} '${v}': not a port (0 to 65535)`);
  return Number(v);
}

export function registerTrace(program: Command) {
  program
    .command("trace")
    .description("Follow one packet through the dump: every rule it hits, NAT, routing and the final outcome")
    .argument("[file]", "the dump; '-' or nothing reads standard input")
    .option("--src <addr>", "source address (required)")
    .option("--dst <addr>", "destination address (required)")
    .option("--proto <proto>", "tcp, udp, icmp, or a protocol name or number", "tcp")
    .option("--sport <n>", "source port (default 40000)")
    .option("--dport <n>", "destination port (default 80)")
    .option("--icmp-type <type[/code]>", "ICMP type and code (default echo request)")
    .option("--in <iface>", "incoming interface (default: the interface the source is connected to, else the external one)")
    .option("--out <iface>", "force the outgoing interface of a forwarded packet")
    .addOption(new Option("--state <state>", "conntrack state of the packet; reply: a reply of an established connection").choices(["new", "established", "related", "invalid", "reply"]).default("new"))
    .option("--orig-src <addr>", "with --state reply: source of the connection's first packet (default: --dst)")
    .option("--orig-dst <addr>", "with --state reply: destination of the connection's first packet, before NAT (default: --src)")
    .option("--orig-port-src <n>", "with --state reply: its source port (default: --dport)")
    .option("--orig-port-dst <n>", "with --state reply: its destination port (default: --sport)")
    .option("--from-host", "the host itself sends the packet (OUTPUT path)")
    .option("--host-addr <addr>", "an address of this host (repeatable)", collect, [])
    .option("--iface <name=addr/prefix>", "an interface of this host (repeatable), e.g. eth0=203.0.113.5/24", collect, [])
    .option("--default-iface <name>", "the external interface (default eth0)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      `
Examples:
  dockwall trace rules.v4 --src 203.0.113.7 --dst 198.51.100.1 --dport 443
  iptables-save | dockwall trace --src 172.17.0.2 --dst 1.1.1.1 --proto udp --dport 53
  dockwall trace rules.v4 --src 10.0.0.9 --dst 203.0.113.5 --dport 22 --iface eth0=203.0.113.5/24 --format json
  # the answer to a container's masqueraded DNS query, as it arrives on eth0
  dockwall trace rules.v4 --state reply --src 1.1.1.1 --sport 53 --dst 203.0.113.5 --dport 40000 --proto udp \
    --orig-src 172.17.0.2 --orig-dst 1.1.1.1 --iface eth0=203.0.113.5/24

Without --host-addr/--iface, a destination outside every subnet the dump implies
is taken as this host's own address; the output lists every such assumption.`,
    )
    .action((file: string | undefined, o: TraceOpts) => {
      if (!o.src) throw new UsageError("trace needs --src ADDR");
      if (!o.dst) throw new UsageError("trace needs --dst ADDR");
      const input = readInput(file);
      const dump = parse(input.text, { file: input.name });
      warnAll(input.name, input.text, dump.warnings);
      let icmpType: number | undefined;
      let icmpCode: number | undefined;
      if (o.icmpType !== undefined) {
        const m = /^(\d{1,3})(?:\/(\d{1,3}))?$/.exec(o.icmpType);
        if (!m || Number(m[1]) > 255 || Number(m[2] ?? 0) > 255) throw new UsageError(`--icmp-type '${o.icmpType}': expected TYPE or TYPE/CODE (numbers)`);
        icmpType = Number(m[1]);
        icmpCode = m[2] === undefined ? undefined : Number(m[2]);
      }
      const packet: TracePacket = {
        src: o.src,
        dst: o.dst,
        proto: o.proto,
        state: o.state,
        ...(o.sport !== undefined ? { sport: port("--sport", o.sport) } : {}),
        ...(o.dport !== undefined ? { dport: port("--dport", o.dport) } : {}),
        ...(icmpType !== undefined ? { icmpType } : {}),
        ...(icmpCode !== undefined ? { icmpCode } : {}),
        ...(o.in ? { in: o.in } : {}),
        ...(o.out ? { out: o.out } : {}),
        ...(o.fromHost ? { fromHost: true } : {}),
      };
      const orig = [o.origSrc, o.origDst, o.origPortSrc, o.origPortDst];
      if (orig.some((x) => x !== undefined)) {
        if (o.state !== "reply") throw new UsageError("--orig-src/--orig-dst/--orig-port-*: only with --state reply");
        if (o.origSrc === undefined || o.origDst === undefined) throw new UsageError("--state reply with --orig-*: give both --orig-src and --orig-dst");
        const sp = port("--orig-port-src", o.origPortSrc);
        const dp = port("--orig-port-dst", o.origPortDst);
        packet.orig = { src: o.origSrc, dst: o.origDst, ...(sp !== undefined ? { sport: sp } : {}), ...(dp !== undefined ? { dport: dp } : {}) };
      }
      let result: TraceResult;
      try {
        const host = inferHost(dump, { hostAddrs: o.hostAddr, ifaces: o.iface, ...(o.defaultIface ? { defaultIface: o.defaultIface } : {}) });
        result = trace(dump, packet, host);
      } catch (e) {
        if (e instanceof EngineInputError) throw new UsageError(e.message);
        throw e;
      }
      const out = o.format === "json" ? JSON.stringify(result, null, 2) + "\n" : formatTrace(result, useColor(process.stdout));
      process.stdout.write(out);
    });
}

function ep(addr: string, port: number | undefined): string {
  if (port === undefined) return addr;
  return addr.includes(":") ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** The trace for a reader: the packet, each hook's rules, rewrites, routing, then the outcome. */
export function formatTrace(r: TraceResult, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const lines: string[] = [];
  const p = r.packet;
  lines.push(
    `${c.bold("packet")}  ${p.proto} ${ep(p.src, p.sport)} -> ${ep(p.dst, p.dport)}  ${p.fromHost ? "from this host" : `in ${p.in}`}  state ${p.state}${p.reply ? ` REPLY to ${ep(p.reply.src, p.reply.sport)} -> ${ep(p.reply.dst, p.reply.dport)}` : ""}`,
  );
  for (const a of r.assumptions) lines.push(c.dim(`assumed: ${a}`));
  lines.push("");
  let hook = "";
  const nat = [...r.nat];
  let routed = false;
  const routingLine = () => {
    if (routed || !r.routing) return;
    routed = true;
    lines.push(c.cyan("routing") + `  ${r.routing.decision === "local" ? "local delivery" : `forward out of ${r.routing.oif}`}`);
  };
  for (const s of r.path) {
    if (s.hook !== "PREROUTING" && s.hook !== "OUTPUT") routingLine();
    if (s.hook !== hook) {
      hook = s.hook;
      lines.push(c.cyan(hook));
    }
    const text = r.rules?.[String(s.line)] ?? "";
    const taken = s.target.startsWith("policy:") ? `policy ${s.target.slice(7)}` : s.target ? `-> ${s.target}` : "(no target)";
    // the packet went on either way: say so, or a reader takes the LOG as certain
    const target = s.maybe ? `${taken} if it matches (${s.maybe}); goes on either way` : taken;
    const tc = /DROP|REJECT/.test(target) ? c.red(target) : /ACCEPT/.test(target) ? c.green(target) : c.yellow(target);
    lines.push(`  ${s.table}/${s.chain} line ${s.line}  ${tc}${text && !s.target.startsWith("policy:") ? c.dim(`   ${text}`) : ""}`);
    const n = nat[0];
    if (n && n.line === s.line) {
      nat.shift();
      lines.push(`    ${c.magenta(`${n.kind} ${n.from} -> ${n.to}`)}${n.portChosen ? `, source port ${n.portChosen}` : ""}`);
    }
  }
  for (const n of nat) lines.push(`  ${c.magenta(`${n.kind} ${n.from} -> ${n.to}`)}${n.portChosen ? `, source port ${n.portChosen}` : ""} (line ${n.line}, binding of the connection's first packet)`);
  routingLine();
  lines.push("");
  const by = (x: Pick<TraceResult, "decidedBy">) => (x.decidedBy ? ` (${x.decidedBy.table}/${x.decidedBy.chain} line ${x.decidedBy.line})` : "");
  lines.push(`${c.bold("result")}  ${resultText(c, r, p.src)}${by(r)}${r.reason ? `: ${r.reason}` : ""}`);
  if (r.decidedBy && r.rules?.[String(r.decidedBy.line)]) lines.push(c.dim(`        ${r.rules[String(r.decidedBy.line)]}`));
  if (r.choices) {
    // kube-proxy load balancing: the kernel picks one branch at random
    const picked = (ch: NonNullable<TraceResult["choices"]>) => ch.map((x) => `statistic at line ${x.line}: ${x.matched ? "matched" : "not matched"}`).join(", ");
    lines.push("");
    lines.push(`${c.bold("choices")}  the path above took ${picked(r.choices)}; ${r.alternatives?.length ? `${r.alternatives.length} other result${r.alternatives.length > 1 ? "s are" : " is"} possible:` : "no other result is possible"}`);
    for (const a of r.alternatives ?? []) lines.push(`  ${resultText(c, a, p.src)}${by(a)}${a.reason ? `: ${a.reason}` : ""}  ${c.dim(`(${picked(a.choices)})`)}`);
  }
  return lines.join("\n") + "\n";
}

/** The outcome in words: where the packet ends up. */
function resultText(c: InstanceType<typeof Chalk>, r: Pick<TraceResult, "outcome" | "final">, src: string): string {
  const f = r.final;
  return r.outcome === "local"
    ? c.green(`DELIVERED locally to ${ep(f.dst, f.dport)}`)
    : r.outcome === "forwarded"
      ? c.green(`FORWARDED to ${ep(f.dst, f.dport)} out of ${f.iface}${f.src !== src || f.sportChosen ? ` from ${ep(f.src, f.sport)}${f.sportChosen ? ` (source port ${f.sportChosen})` : ""}` : ""}`)
      : r.outcome === "dropped"
        ? c.red("DROPPED")
        : r.outcome === "rejected"
          ? c.red("REJECTED")
          : c.yellow("UNDECIDED");
}
