// Each module's value checks and canonical forms, one rule at a time.
// Canonical forms were learnt from the kernel (test/kernel/roundtrip.test.ts
// checks the torture files against iptables-save itself).
import { describe, expect, it } from "vitest";
import { allMatches, allTargets, findMatch, parse } from "../../src/extensions/index.js";
import { printDump, printRuleBody } from "../../src/emit/save.js";
import type { Family } from "../../src/syntax/ast.js";
import { DumpError } from "../../src/syntax/build.js";

const TABLE_OF: Record<string, string> = { DNAT: "nat", SNAT: "nat", MASQUERADE: "nat", REDIRECT: "nat", NETMAP: "nat", CT: "raw", NOTRACK: "raw" };

function dump(rule: string, family: Family = "ipv4", table = "filter") {
  return parse(`*${table}\n-A ${table === "nat" ? "PREROUTING" : table === "raw" ? "PREROUTING" : "INPUT"} ${rule}\nCOMMIT\n`, { family });
}

/** The canonical text of one rule (after `-A CHAIN`). */
function canon(rule: string, family: Family = "ipv4"): string {
  const target = /-j (\S+)/.exec(rule)?.[1] ?? "";
  const d = dump(rule, family, TABLE_OF[target] ?? "filter");
  const chain = [...d.tables.values()][0]!.chains.values().next().value!;
  return printRuleBody(chain.rules[0]!, family).trim();
}

function error(rule: string, family: Family = "ipv4"): string {
  try {
    dump(rule, family);
  } catch (e) {
    if (e instanceof DumpError) return e.diagnostics[0]!.message;
    throw e;
  }
  throw new Error(`'${rule}' was accepted`);
}

describe("canonical forms", () => {
  const cases: [string, string, Family?][] = [
    ["-p tcp --syn -j ACCEPT", "-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT"],
    ["-p tcp ! --syn", "-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN"],
    ["-p tcp --dport 0:65535 -j ACCEPT", "-p tcp -m tcp -j ACCEPT"],
    ["-p tcp --dport 22: --sport :1023", "-p tcp -m tcp --sport 0:1023 --dport 22:65535"],
    ["-p tcp --dport ssh", "-p tcp -m tcp --dport 22"],
    ["-p tcp --tcp-flags ALL NONE", "-p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE"],
    ["-p 6 -p", ""],
    ["-p all -s 0.0.0.0/0 -j DROP", "-j DROP"],
    ["-p 47", "-p gre"],
    ["-m conntrack --ctstate RELATED,ESTABLISHED,NEW", "-m conntrack --ctstate NEW,RELATED,ESTABLISHED"],
    ["-m conntrack --ctdir reply --ctproto tcp --ctorigsrc 10.1.2.3/8 --ctorigdst 10.0.0.1/32", "-m conntrack --ctproto 6 --ctorigsrc 10.1.2.3/8 --ctorigdst 10.0.0.1 --ctdir REPLY"],
    ["-m mark --mark 5", "-m mark --mark 0x5"],
    ["-m limit --limit 60/minute --limit-burst 5", "-m limit --limit 1/sec"],
    ["-m limit", "-m limit --limit 3/hour"],
    ["-m limit --limit 7/d --limit-burst 9", "-m limit --limit 7/day --limit-burst 9"],
    ["-m hashlimit --hashlimit-upto 120/min --hashlimit-name a", "-m hashlimit --hashlimit-upto 2/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-expire 60000"],
    ["-m hashlimit --hashlimit-upto 100b/s --hashlimit-name a", "-m hashlimit --hashlimit-upto 96b/s --hashlimit-name a"],
    ["-m recent --set", "-m recent --set --name DEFAULT --mask 255.255.255.255 --rsource"],
    ["-m statistic --mode random --probability 0.1", "-m statistic --mode random --probability 0.10000000009"],
    ["-m multiport -p udp --dports 53,80:90", "-p udp -m multiport --dports 53,80:90"],
    ["-m iprange --src-range 10.0.0.1", "-m iprange --src-range 10.0.0.1-10.0.0.1"],
    ["-m mac --mac-source 0:11:22:AA:bb:cc", "-m mac --mac-source 00:11:22:aa:bb:cc"],
    ["-m string --hex-string |41|b --algo bm", '-m string --string "Ab" --algo bm'],
    ["-m u32 --u32 0>>22&0x3C@12=10:20", '-m u32 --u32 "0x0>>0x16&0x3c@0xc=0xa:0x14"'],
    ["-m dscp --dscp-class EF", "-m dscp --dscp 0x2e"],
    ["-m connlimit ! --connlimit-upto 3", "-m connlimit --connlimit-above 3 --connlimit-mask 32 --connlimit-saddr"],
    ["-j REJECT", "-j REJECT --reject-with icmp-port-unreachable"],
    ["-j REJECT", "-j REJECT --reject-with icmp6-port-unreachable", "ipv6"],
    ["-j REJECT --reject-with tcp-rst -p tcp", "-p tcp -j REJECT --reject-with tcp-reset"],
    ["-j LOG --log-level 4 --log-prefix x", "-j LOG --log-prefix x"],
    ['-j LOG --log-prefix "a b" --log-level debug', '-j LOG --log-prefix "a b" --log-level 7'],
    ["-j MARK --set-mark 1", "-j MARK --set-xmark 0x1/0xffffffff"],
    ["-j MARK --and-mark 5", "-j MARK --set-xmark 0x0/0xfffffffa"],
    ["-j CONNMARK --restore-mark --mask 0xff", "-j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff"],
    ["-j NFQUEUE", "-j NFQUEUE --queue-num 0"],
    ["-p tcp -j DNAT --to 172.17.0.2:80", "-p tcp -j DNAT --to-destination 172.17.0.2:80"],
    ["-p tcp -j DNAT --to-destination [fd00:0::2]:80", "-p tcp -j DNAT --to-destination [fd00::2]:80", "ipv6"],
    ["-p ipv6-icmp --icmpv6-type echo-request", "-p ipv6-icmp -m icmp6 --icmpv6-type 128", "ipv6"],
    ["-p icmp --icmp-type port-unreachable", "-p icmp -m icmp --icmp-type 3/3"],
    ["-m icmpv6 -p icmpv6 --icmpv6-type 1", "-p ipv6-icmp -m icmp6 --icmpv6-type 1", "ipv6"],
  ];
  for (const [input, want, family] of cases) {
    if (want === "") continue;
    it(`${input}${family === "ipv6" ? " (IPv6)" : ""}`, () => expect(canon(input, family)).toBe(want));
  }

  it("sorts options into print order whatever order they were written in", () => {
    expect(canon("-m limit --limit-burst 7 --limit 3/min")).toBe("-m limit --limit 3/min --limit-burst 7");
    const a = dump("-m limit --limit-burst 7 --limit 3/min").tables.get("filter")!.chains.get("INPUT")!.rules[0]!.matches[0]!;
    expect(a.options.map((o) => o.name)).toEqual(["--limit", "--limit-burst"]);
  });

  it("keeps policy elements in their own order", () => {
    expect(canon("-m policy --dir in --pol ipsec --tunnel-src 1.2.3.4 --mode tunnel --proto esp --next --proto ah")).toBe(
      "-m policy --dir in --pol ipsec --proto esp --mode tunnel --tunnel-src 1.2.3.4 --next --proto ah",
    );
  });

  it("prints tables in nf_tables order and completes built-in chains", () => {
    const d = parse("*nat\n:X - [0:0]\nCOMMIT\n*filter\n:INPUT DROP [0:0]\nCOMMIT\n*raw\nCOMMIT\n*mangle\n-A INPUT -j ACCEPT\nCOMMIT\n");
    const out = printDump(d).split("\n");
    expect(out.filter((l) => l.startsWith("*"))).toEqual(["*mangle", "*filter", "*nat"]);
    expect(out).toContain(":FORWARD ACCEPT [0:0]");
    expect(out).toContain(":POSTROUTING ACCEPT [0:0]");
  });

  it("sorts user chains by byte order", () => {
    const d = parse("*filter\n:b - [0:0]\n:B - [0:0]\n:a - [0:0]\nCOMMIT\n");
    expect(printDump(d).split("\n").filter((l) => /^:[abB] /.test(l))).toEqual([":B - [0:0]", ":a - [0:0]", ":b - [0:0]"]);
  });
});

describe("value checks", () => {
  const cases: [string, RegExp, Family?][] = [
    ["-p tcp --dport 70000", /--dport: '70000' is not a port or port range/],
    ["-p tcp --dport 30:20", /--dport: port range '30:20' is reversed/],
    ["-p tcp --tcp-flags SYN,FOO SYN", /'FOO' is not a TCP flag/],
    ["-p tcp --syn --tcp-flags SYN SYN", /--syn and --tcp-flags cannot be used together/],
    ["-p icmp --icmp-type bogus", /'bogus' is not an ICMP type/],
    ["-p ipv6-icmp --icmpv6-type 1/300", /'1\/300' is not an ICMP type/, "ipv6"],
    ["-m icmp --icmp-type 8", /the match module 'icmp' exists only in iptables \(IPv4\)/, "ipv6"],
    ["-m conntrack --ctstate NEW,BOGUS", /'BOGUS' is not a conntrack state/],
    ["-m conntrack --ctdir sideways", /'sideways' is not ORIGINAL or REPLY/],
    ["-m conntrack --ctorigsrc 10.0.0.300", /not an IPv4 address/],
    ["-m state --state NEW,SNAT", /'SNAT' is not a connection state/],
    ["-m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", /at most 15 ports/],
    ["-m multiport --dports 1 --sports 2", /--sports and --dports cannot be used together/],
    ["-m mark --mark 0x1/0x2/0x3", /is not VALUE\[\/MASK\]/],
    ["-m limit --limit 3/fortnight", /'3\/fortnight' is not a rate/],
    ["-m limit --limit 20000/sec", /too fast/],
    ["-m limit --limit-burst 10001", /'10001' is not a number from 0 to 10000/],
    ["-m hashlimit --hashlimit-upto 5/sec", /needs --hashlimit-name/],
    ["-m hashlimit --hashlimit-upto 5/sec --hashlimit-above 5/sec --hashlimit-name a", /cannot be used together/],
    ["-m hashlimit --hashlimit-upto 5/sec --hashlimit-name a --hashlimit-mode srcip,foo", /'foo' is not a hashlimit mode/],
    ["-m recent --seconds 5", /needs one of --rcheck, --set, --update, --remove/],
    ["-m recent --set --seconds 5", /work only with --rcheck or --update/],
    ["-m recent --rcheck --reap", /--reap needs --seconds/],
    ["-m statistic --mode random --probability 1.5", /not a probability/],
    ["-m statistic --mode nth --every 3", /--mode nth needs --every and --packet/],
    ["-m owner --suppl-groups --uid-owner 0", /--suppl-groups needs --gid-owner/],
    ["-m owner --uid-owner 20-10", /reversed/],
    ["-m mac --mac-source 00:11:22:33:44", /is not a MAC address/],
    ["-m pkttype --pkt-type anycast", /'anycast' is not a packet type/],
    ["-m length --length 70000", /is not a length or length range/],
    ["-m iprange --src-range 10.0.0.9-10.0.0.1", /reversed/],
    ["-m set --match-set foo src,both", /'both' must be src or dst/],
    ["-m comment --comment " + "x".repeat(256), /at most 255 bytes/],
    ["-m string --algo bm", /needs one of --string, --hex-string/],
    ["-m string --hex-string |4| --algo bm", /not pairs of hex digits/],
    ["-m u32 --u32 0>>22", /has no '='/],
    ["-m ttl --ttl-eq 5 --ttl-lt 7", /cannot be used together/],
    ["-m ttl ! --ttl-lt 5", /'!' cannot negate --ttl-lt/],
    ["-m dscp --dscp 64", /not a DSCP value/],
    ["-m tos --tos 0x100", /not VALUE\[\/MASK\]/],
    ["-m policy --dir in", /needs --pol/],
    ["-m policy --dir in --pol ipsec --tunnel-src 1.2.3.4", /need --mode tunnel/],
    ["-m frag --fragmore --fraglast", /cannot be used together/, "ipv6"],
    ["-m ipv6header --header bogus", /not an IPv6 extension header/, "ipv6"],
    ["-m connlimit --connlimit-mask 24", /needs one of --connlimit-upto, --connlimit-above/],
    ["-m ah --ahres", /exists only in ip6tables/],
    ["-j REJECT --reject-with icmp6-no-route", /not a reject type for iptables/],
    ["-j REJECT --reject-with icmp-host-prohibited", /not a reject type for ip6tables/, "ipv6"],
    ["-j LOG --log-level warn", /'warn' is not a log level/],
    ["-j LOG --log-prefix 123456789012345678901234567890", /at most 29 bytes/],
    ["-j MARK", /needs one of --set-xmark/],
    ["-j MARK --set-mark 1 --or-mark 2", /cannot be used together/],
    ["-j CONNMARK --set-mark 1 --nfmask 3", /go with --save-mark or --restore-mark/],
    ["-j NFQUEUE --queue-num 1 --queue-balance 1:2", /cannot be used together/],
    ["-j NFQUEUE --queue-cpu-fanout", /needs --queue-balance/],
    ["-j DNAT --to-destination 10.0.0.9-10.0.0.1", /reversed/],
    ["-j DNAT --to-destination 10.0.0.1:90-80", /reversed/],
    ["-j SNAT", /needs --to-source/],
    ["-j MASQUERADE --to-ports 99999", /not a port/],
    ["-j TCPMSS", /needs one of --set-mss, --clamp-mss-to-pmtu/],
    ["-j CT --ctevents new,bogus", /'bogus' is not a conntrack event/],
    ["-j TTL --ttl-set 64", /the target 'TTL' exists only in iptables \(IPv4\)/, "ipv6"],
    ["! -p all", /would never match/],
  ];
  for (const [rule, want, family] of cases) it(`${rule}${family === "ipv6" ? " (IPv6)" : ""}`, () => expect(error(rule, family)).toMatch(want));
});

describe("registry", () => {
  it("knows every module the brief lists", () => {
    const matches = ["tcp", "udp", "icmp", "multiport", "conntrack", "state", "addrtype", "comment", "mark", "connmark", "set", "iprange", "limit", "hashlimit", "recent", "physdev", "statistic", "owner", "mac", "pkttype", "length", "tcpmss", "rpfilter", "socket", "sctp", "string", "u32", "devgroup", "cgroup", "policy", "ipvs", "esp", "ah", "ttl", "dscp"];
    for (const m of matches) expect(findMatch(m, "ipv4"), m).toBeDefined();
    for (const m of ["icmp6", "hl", "frag", "ipv6header"]) expect(findMatch(m, "ipv6"), m).toBeDefined();
    const targets = new Set(allTargets.map((t) => t.name));
    for (const t of ["REJECT", "LOG", "NFLOG", "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "MARK", "CONNMARK", "TCPMSS", "CT", "NOTRACK", "TRACE", "CHECKSUM", "NFQUEUE"]) expect(targets.has(t), t).toBe(true);
    expect(allMatches.every((m) => m.kind === "match") && allTargets.every((t) => t.kind === "target")).toBe(true);
  });

  it("keeps an unknown module verbatim, with a warning", () => {
    const d = dump('-m nfacct --nfacct-name "web,api" -j ACCEPT');
    expect(d.warnings.map((w) => w.code)).toContain("unknown-module");
    expect(printDump(d)).toContain("-A INPUT -m nfacct --nfacct-name web,api -j ACCEPT");
    const t = dump("-j LED --led-trigger-id x");
    expect(printDump(t)).toContain("-j LED --led-trigger-id x");
  });
});
