// nft translation shared by the NAT targets (DNAT, SNAT, MASQUERADE, REDIRECT, NETMAP).
import type { Family, MatchCall, TargetCall } from "../../syntax/ast.js";
import { formatAddr } from "../../syntax/inet.js";
import { inetQualifier, nftRange } from "../nft-text.js";
import type { XlateContext, XlateResult } from "../types.js";
import { parseNatRange, type NatRange } from "./nat-range.js";

/** Protocols whose ports a NAT target may rewrite (iptables refuses a port range otherwise). */
const PORT_PROTOS = new Set(["tcp", "udp", "udplite", "sctp", "dccp"]);

export function natPortsAllowed(ctx: XlateContext): boolean {
  const p = ctx.rule.proto;
  return !!p && !p.neg && PORT_PROTOS.has(p.value);
}

/** `random,fully-random,persistent`, in the order iptables-translate prints them. */
export function natFlags(call: MatchCall | TargetCall): string {
  const has = (n: string) => call.options.some((o) => o.name === n);
  const flags = [has("--random") && "random", has("--random-fully") && "fully-random", has("--persistent") && "persistent"].filter(Boolean);
  return flags.length ? ` ${flags.join(",")}` : "";
}

/** `1.2.3.4-1.2.3.6:80-90`, `[fd00::1]:80`, `:53`: nft's nat address and port range. */
export function natRangeText(r: NatRange, family: Family): string {
  let addr = "";
  if (r.minAddr !== undefined) {
    // IPv6 with a port: each end bracketed (`[a]-[b]:p`); nft 1.0.x cannot read `[a-b]:p`
    const br = (a: bigint) => (family === "ipv6" && r.minPort !== undefined ? `[${formatAddr(a, family)}]` : formatAddr(a, family));
    addr = br(r.minAddr);
    if (r.maxAddr !== undefined && r.maxAddr !== r.minAddr) addr += `-${br(r.maxAddr)}`;
  }
  const port = r.minPort === undefined ? "" : `:${nftRange(r.minPort, r.maxPort ?? r.minPort)}`;
  return addr + port;
}

/** `dnat to ...` / `snat to ...` for DNAT and SNAT. */
export function xlateNatTo(kind: "dnat" | "snat", option: string, call: MatchCall | TargetCall, ctx: XlateContext): XlateResult {
  const to = call.options.filter((o) => o.name === option);
  if (to.length !== 1) return { untranslatable: `${to.length} ${option} ranges: nft takes one (several were round-robin on kernels before 2.6.11)` };
  const parsed = parseNatRange(to[0]!.args[0]!, ctx.family);
  if (typeof parsed === "string") return { untranslatable: parsed };
  if (parsed.minPort !== undefined && !natPortsAllowed(ctx)) return { untranslatable: `a port in ${option} needs -p tcp, udp, sctp or dccp` };
  const range = natRangeText(parsed, ctx.family);
  return { nft: `${kind} ${inetQualifier(ctx)}to ${range}${natFlags(call)}` };
}

/** `masquerade to :10-20` / `redirect to :8080`: the port-only targets. */
export function xlatePortsTo(kind: "masquerade" | "redirect", call: MatchCall | TargetCall, ctx: XlateContext): XlateResult {
  const ports = call.options.find((o) => o.name === "--to-ports");
  let to = "";
  if (ports) {
    if (!natPortsAllowed(ctx)) return { untranslatable: "--to-ports needs -p tcp, udp, sctp or dccp" };
    const [lo, hi = lo] = ports.args[0]!.split(/[-:]/);
    to = ` to :${nftRange(lo!, hi!)}`;
  }
  return { nft: `${kind}${to}${natFlags(call)}` };
}
