// The extension registry: every match and target module dockwall knows.
// A new module goes in matches/<name>.ts or targets/<NAME>.ts and is listed here.
import type { Dump, Family, OptionValue } from "../syntax/ast.js";
import { parseDump, type ParseOptions } from "../syntax/build.js";
import type { ModuleResolver } from "../syntax/spec.js";
import { canonProtocol } from "./protocols.js";
import type { Extension } from "./types.js";
import { addrtype } from "./matches/addrtype.js";
import { ah } from "./matches/ah.js";
import { cgroup } from "./matches/cgroup.js";
import { comment } from "./matches/comment.js";
import { connbytes } from "./matches/connbytes.js";
import { connlimit } from "./matches/connlimit.js";
import { connmark } from "./matches/connmark.js";
import { conntrack } from "./matches/conntrack.js";
import { devgroup } from "./matches/devgroup.js";
import { dscp } from "./matches/dscp.js";
import { esp } from "./matches/esp.js";
import { frag } from "./matches/frag.js";
import { hashlimit } from "./matches/hashlimit.js";
import { helper } from "./matches/helper.js";
import { hl } from "./matches/hl.js";
import { icmp } from "./matches/icmp.js";
import { icmp6 } from "./matches/icmp6.js";
import { iprange } from "./matches/iprange.js";
import { ipv6header } from "./matches/ipv6header.js";
import { ipvs } from "./matches/ipvs.js";
import { length } from "./matches/length.js";
import { limit } from "./matches/limit.js";
import { mac } from "./matches/mac.js";
import { mark } from "./matches/mark.js";
import { multiport } from "./matches/multiport.js";
import { owner } from "./matches/owner.js";
import { physdev } from "./matches/physdev.js";
import { pkttype } from "./matches/pkttype.js";
import { policy } from "./matches/policy.js";
import { quota } from "./matches/quota.js";
import { realm } from "./matches/realm.js";
import { recent } from "./matches/recent.js";
import { rpfilter } from "./matches/rpfilter.js";
import { sctp } from "./matches/sctp.js";
import { set } from "./matches/set.js";
import { socket } from "./matches/socket.js";
import { state } from "./matches/state.js";
import { statistic } from "./matches/statistic.js";
import { string } from "./matches/string.js";
import { tcp } from "./matches/tcp.js";
import { tcpmss } from "./matches/tcpmss.js";
import { tos } from "./matches/tos.js";
import { ttl } from "./matches/ttl.js";
import { u32 } from "./matches/u32.js";
import { udp } from "./matches/udp.js";
import { cluster } from "./matches/cluster.js";
import { connlabel } from "./matches/connlabel.js";
import { cpu } from "./matches/cpu.js";
import { dccp } from "./matches/dccp.js";
import { dst } from "./matches/dst.js";
import { ecn } from "./matches/ecn.js";
import { hbh } from "./matches/hbh.js";
import { ipcomp } from "./matches/ipcomp.js";
import { mh } from "./matches/mh.js";
import { rt } from "./matches/rt.js";
import { time } from "./matches/time.js";
import { AUDIT } from "./targets/AUDIT.js";
import { CLASSIFY } from "./targets/CLASSIFY.js";
import { SYNPROXY } from "./targets/SYNPROXY.js";
import { TEE } from "./targets/TEE.js";
import { CHECKSUM } from "./targets/CHECKSUM.js";
import { CONNMARK } from "./targets/CONNMARK.js";
import { CT } from "./targets/CT.js";
import { DNAT } from "./targets/DNAT.js";
import { DSCP } from "./targets/DSCP.js";
import { HL } from "./targets/HL.js";
import { LOG } from "./targets/LOG.js";
import { MARK } from "./targets/MARK.js";
import { MASQUERADE } from "./targets/MASQUERADE.js";
import { NETMAP } from "./targets/NETMAP.js";
import { NFLOG } from "./targets/NFLOG.js";
import { NFQUEUE } from "./targets/NFQUEUE.js";
import { NOTRACK } from "./targets/NOTRACK.js";
import { REDIRECT } from "./targets/REDIRECT.js";
import { REJECT } from "./targets/REJECT.js";
import { SNAT } from "./targets/SNAT.js";
import { TCPMSS } from "./targets/TCPMSS.js";
import { TOS } from "./targets/TOS.js";
import { TPROXY } from "./targets/TPROXY.js";
import { TRACE } from "./targets/TRACE.js";
import { TTL } from "./targets/TTL.js";

const MATCHES: readonly Extension[] = [addrtype, ah, cgroup, cluster, comment, connbytes, connlabel, connlimit, connmark, conntrack, cpu, dccp, devgroup, dscp, dst, ecn, esp, frag, hashlimit, hbh, helper, hl, icmp, icmp6, ipcomp, iprange, ipv6header, ipvs, length, limit, mac, mark, mh, multiport, owner, physdev, pkttype, policy, quota, realm, recent, rpfilter, rt, sctp, set, socket, state, statistic, string, tcp, tcpmss, time, tos, ttl, u32, udp];
const TARGETS: readonly Extension[] = [AUDIT, CHECKSUM, CLASSIFY, CONNMARK, CT, DNAT, DSCP, HL, LOG, MARK, MASQUERADE, NETMAP, NFLOG, NFQUEUE, NOTRACK, REDIRECT, REJECT, SNAT, SYNPROXY, TCPMSS, TEE, TOS, TPROXY, TRACE, TTL];

/**
 * The parser's view of a module: its normalize step also sorts the options into
 * spec order (the order iptables-save prints), so a ruleset has one AST however
 * its options were ordered. `ordered` modules sort themselves.
 */
function forParser(ext: Extension): Extension {
  if (ext.ordered) return ext;
  const rank = new Map(ext.options.map((o, i) => [o.name, i]));
  const rankOf = (o: OptionValue) => rank.get(o.name) ?? 1e9;
  const sort = (options: OptionValue[]) => {
    // the parser runs this on every call of every rule, and most are already in order
    let sorted = true;
    for (let i = 1; i < options.length && sorted; i++) sorted = rankOf(options[i - 1]!) <= rankOf(options[i]!);
    return sorted ? options : options.map((o, i) => [o, i] as const).sort(([a, i], [b, j]) => rankOf(a) - rankOf(b) || i - j).map(([o]) => o);
  };
  const own = ext.normalize;
  return { ...ext, normalize: (options, family, span) => sort(own ? own(options, family, span) : options) };
}

function byName(list: readonly Extension[]): Map<string, Extension[]> {
  const m = new Map<string, Extension[]>();
  for (const e of list) m.set(e.name, [...(m.get(e.name) ?? []), e]);
  return m;
}

const parserViews = new Map<Extension, Extension>();
function parserView(ext: Extension | undefined): Extension | undefined {
  if (!ext) return undefined;
  let v = parserViews.get(ext);
  if (!v) parserViews.set(ext, (v = forParser(ext)));
  return v;
}

const matchByName = byName(MATCHES);
const targetByName = byName(TARGETS);

function pick(list: Extension[] | undefined, family: Family): Extension | undefined {
  return list?.find((e) => !e.family || e.family === family);
}

/** Match module aliases that iptables accepts (`-m icmpv6` is icmp6, ...). */
const MATCH_ALIASES = new Map([["icmpv6", "icmp6"], ["ipv6-icmp", "icmp6"]]);

/** The module `-p PROTO` loads without `-m`. */
const PROTO_MODULE = new Map([
  ["tcp", "tcp"], ["udp", "udp"], ["udplite", "udp"], ["icmp", "icmp"], ["ipv6-icmp", "icmp6"], ["sctp", "sctp"], ["esp", "esp"], ["ah", "ah"],
  ["dccp", "dccp"], ["mobility-header", "mh"],
]);

export function findMatch(name: string, family: Family): Extension | undefined {
  return pick(matchByName.get(MATCH_ALIASES.get(name) ?? name), family);
}

export function findTarget(name: string, family: Family): Extension | undefined {
  return pick(targetByName.get(name), family);
}

const FAMILY_TOOL = { ipv4: "iptables (IPv4)", ipv6: "ip6tables (IPv6)" } as const;

/**
 * A module that exists only for the other family (icmp vs icmp6, TTL vs HL):
 * its options still parse, and the call is refused with a message naming the tool.
 */
const wrongFamilyViews = new Map<Extension, Extension>();
function wrongFamily(list: Extension[] | undefined, family: Family): Extension | undefined {
  const other = list?.find((e) => e.family && e.family !== family);
  if (!other) return undefined;
  let v = wrongFamilyViews.get(other);
  if (!v) {
    const what = other.kind === "match" ? "match module" : "target";
    const msg = `the ${what} '${other.name}' exists only in ${FAMILY_TOOL[other.family!]}, and this dump is ${family === "ipv4" ? "IPv4" : "IPv6"}`;
    wrongFamilyViews.set(other, (v = { ...other, family, checkCall: () => msg, normalize: undefined }));
  }
  return v;
}

export const resolver: ModuleResolver = {
  match: (name, family) => parserView(findMatch(name, family)) ?? wrongFamily(matchByName.get(MATCH_ALIASES.get(name) ?? name), family),
  target: (name, family) => parserView(findTarget(name, family)) ?? wrongFamily(targetByName.get(name), family),
  protocolModule(proto, family) {
    const m = PROTO_MODULE.get(proto);
    return m ? parserView(findMatch(m, family)) : undefined;
  },
  canonProtocol,
};

export const allMatches = MATCHES;
export const allTargets = TARGETS;

/** Parses a dump with every known module. Throws DumpError on bad input. */
export function parse(source: string, opts: ParseOptions = {}): Dump {
  return parseDump(source, resolver, opts);
}
