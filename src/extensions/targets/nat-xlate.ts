// nft translation shared by the NAT targets (DNAT, SNAT, MASQUERADE, REDIRECT, NETMAP).
import type { Family, MatchCall, TargetCall } from "../../syntax/ast.js";
import { formatAddr } from "../../syntax/inet.js";
import { inetQualifier, nftRange } from "../nft-text.js";
import type { XlateContext, XlateResult } from "../types.js";
import { parseNatRange, type NatRange } from "./nat-range.js";
// iptables refuses a NAT port (range) unless -p names a port protocol
import { hasPortProto } from "../protocols.js";

/** `random,fully-random,persistent`, in the order iptables-translate prints them. */
export function natFlags(call: MatchCall | TargetCall): string {
  let random = false;
  let fully = false;
  let persistent = false;
  for (const o of call.options) {
    if (o.name === "--random") random = true;
    else if (o.name === "--random-fully") fully = true;
    else if (o.name === "--persistent") persistent = true;
  }
  if (!random && !fully && !persistent) return "";
  const flags = [random && "random", fully && "fully-random", persistent && "persistent"].filter(Boolean);
  return ` ${flags.join(",")}`;
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

/**
 * kube-proxy's `IP:PORT`, already in nft's spelling: read without the bigint
 * path, whose first few thousand calls (before V8 optimises them) cost more
 * than the rest of a DNAT rule's translation.
 */
const IPV4_PORT = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?::([1-9]\d{0,4}))?$/;

/** `dnat to ...` / `snat to ...` for DNAT and SNAT. */
export function xlateNatTo(kind: "dnat" | "snat", option: string, call: MatchCall | TargetCall, ctx: XlateContext): XlateResult {
  let to: MatchCall["options"][number] | undefined;
  for (const o of call.options) {
    if (o.name !== option) continue;
    if (to) return { untranslatable: `${call.options.filter((x) => x.name === option).length} ${option} ranges: nft takes one (several were round-robin on kernels before 2.6.11)` };
    to = o;
  }
  if (!to) return { untranslatable: `no ${option}` };
  const text = to.args[0]!;
  let range: string;
  const fast = ctx.family === "ipv4" ? IPV4_PORT.exec(text) : null;
  if (fast && (fast[1] === undefined || Number(fast[1]) <= 65535)) {
    if (fast[1] !== undefined && !hasPortProto(ctx.rule)) return { untranslatable: `a port in ${option} needs -p tcp, udp, sctp or dccp` };
    range = text;
  } else {
    const parsed = parseNatRange(text, ctx.family);
    if (typeof parsed === "string") return { untranslatable: parsed };
    if (parsed.minPort !== undefined && !hasPortProto(ctx.rule)) return { untranslatable: `a port in ${option} needs -p tcp, udp, sctp or dccp` };
    // the kernel maps port P to P - BASE + first port; nft has no syntax for that offset
    if (parsed.basePort !== undefined) return { untranslatable: `the port offset '/${parsed.basePort}' in ${option} has no nft equivalent` };
    range = natRangeText(parsed, ctx.family);
  }
  return { nft: `${kind} ${inetQualifier(ctx)}to ${range}${natFlags(call)}` };
}

/** `masquerade to :10-20` / `redirect to :8080`: the port-only targets. */
export function xlatePortsTo(kind: "masquerade" | "redirect", call: MatchCall | TargetCall, ctx: XlateContext): XlateResult {
  const ports = call.options.find((o) => o.name === "--to-ports");
  let to = "";
  if (ports) {
    if (!hasPortProto(ctx.rule)) return { untranslatable: "--to-ports needs -p tcp, udp, sctp or dccp" };
    const [lo, hi = lo] = ports.args[0]!.split(/[-:]/);
    to = ` to :${nftRange(lo!, hi!)}`;
  }
  return { nft: `${kind}${to}${natFlags(call)}` };
}
