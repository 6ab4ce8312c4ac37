import { existsSync, readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { convertDump, convertInet, xlateRule, type RuleEnv } from "../../src/emit/nft.js";
import { dockerPlan } from "../../src/emit/nft-docker.js";
import { safeNftName } from "../../src/emit/nft-names.js";
import type { Family } from "../../src/syntax/ast.js";
import { buildCli, type Cli } from "../lint/cli-bundle.js";

function dump(body: string, family?: Family) {
  return parse(body, { file: "t.rules", ...(family ? { family } : {}) });
}

/** The nft bodies of the only rule of `table`/`chain` in a one-table dump. */
function bodies(table: string, lines: string, family: Family = "ipv4"): string[] | string {
  const d = dump(`*${table}\n${lines}\nCOMMIT\n`, family);
  const rule = [...d.tables.get(table)!.chains.values()].flatMap((c) => c.rules)[0]!;
  const env: RuleEnv = { family, nftFamily: family === "ipv4" ? "ip" : "ip6", chainName: (c) => c, declareSet: (s) => s.name };
  const x = xlateRule(rule, env);
  return x.ok ? x.bodies : `untranslatable: ${x.reason}`;
}

describe("rule translation: the traps of iptables-translate 1.8.9", () => {
  it("keeps the protocol of kube-proxy's DNAT (-p tcp -m tcp and a port in --to-destination)", () => {
    expect(bodies("nat", ":KUBE-SEP-X - [0:0]\n-A KUBE-SEP-X -p tcp -m comment --comment \"ns/svc:http\" -m tcp -j DNAT --to-destination 10.244.1.40:8080")).toEqual([
      'meta l4proto tcp counter dnat to 10.244.1.40:8080 comment "ns/svc:http"',
    ]);
  });

  it("keeps both the negation and the states of ! --ctstate RELATED,ESTABLISHED,DNAT", () => {
    // no entry: the state test alone decides (iptables); tracked: neither state nor DNAT bit
    expect(bodies("filter", "-A INPUT ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP")).toEqual([
      "ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8 ct state invalid,untracked counter drop",
      "ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8 ct state new ct status ! dnat counter drop",
    ]);
  });

  it("splits a state OR'ed with the DNAT bit into disjoint rules", () => {
    expect(bodies("filter", "-A FORWARD -m conntrack --ctstate NEW,DNAT -j ACCEPT")).toEqual([
      "ct state new counter accept",
      "ct state related,established ct status dnat counter accept",
    ]);
  });

  it("lets packets without a conntrack entry pass a negated state whatever the other options say", () => {
    expect(bodies("filter", "-A INPUT -m conntrack ! --ctstate NEW --ctorigdst 10.0.0.1 -j ACCEPT")).toEqual([
      "ct state invalid,untracked counter accept",
      "ct state related,established ct original daddr 10.0.0.1 counter accept",
    ]);
    // when every no-entry state is excluded, one rule is exact
    expect(bodies("filter", "-A INPUT -m conntrack --ctstate NEW --ctorigdst 10.0.0.1 -j ACCEPT")).toEqual(["ct state new ct original daddr 10.0.0.1 counter accept"]);
  });

  it("keeps a negated full port range, which matches nothing", () => {
    expect(bodies("filter", "-A OUTPUT -p tcp ! --sport 0:65535 -j ACCEPT")).toEqual(["tcp sport != 0-65535 counter accept"]);
    // not negated it tests nothing but the protocol
    expect(bodies("filter", "-A OUTPUT -p tcp --sport 0:65535 -j ACCEPT")).toEqual(["meta l4proto tcp counter accept"]);
  });

  it("translates NAT ranges exactly and refuses the port offset nft cannot express", () => {
    const nat = (to: string, proto = "-p tcp ") => bodies("nat", `:PREROUTING ACCEPT [0:0]\n-A PREROUTING ${proto}-j DNAT --to-destination ${to}`);
    expect(nat("10.0.0.1:8080")).toEqual(["ip protocol tcp counter dnat to 10.0.0.1:8080"]);
    expect(nat("10.0.0.1")).toEqual(["ip protocol tcp counter dnat to 10.0.0.1"]);
    expect(nat("10.0.0.1-10.0.0.9:80-90")).toEqual(["ip protocol tcp counter dnat to 10.0.0.1-10.0.0.9:80-90"]);
    expect(nat("10.0.0.1:80", "")).toMatch(/^untranslatable: .*needs -p tcp/);
    // the kernel maps 80..90 onto 100..110 relative to the base: `dnat to :80-90` would not
    expect(nat("10.0.0.1:80-90/100")).toMatch(/^untranslatable: .*port offset '\/100'/);
  });

  it("keeps a comment one nft string", () => {
    expect(bodies("filter", '-A INPUT -m comment --comment "say \\"hi\\"" -j ACCEPT')).toEqual([`counter accept comment "say 'hi'"`]);
  });

  it("writes ipset lookups as nft set references", () => {
    const d = dump("*filter\n-A INPUT -m set --match-set allow src,dst -j ACCEPT\n-A INPUT -m set ! --match-set allow src,dst -j DROP\nCOMMIT\n");
    const r = convertDump(d);
    expect(r.text).toContain("ip saddr . ip daddr @allow counter accept");
    expect(r.text).toContain("ip saddr . ip daddr != @allow counter drop");
    // declared once, typed by its use, its contents left to the host
    expect(r.text.match(/set allow \{/g)).toHaveLength(1);
    expect(r.text).toMatch(/type ipv4_addr \. ipv4_addr\n\t\tflags interval\n\t\tcomment "ipset allow: fill from the host/);
  });

  it("types the ipsets kube-proxy's IPVS mode uses by their name (protocol+port and port dimensions)", () => {
    const d = dump("*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT\n-A KUBE-SERVICES -p tcp -m set --match-set KUBE-NODE-PORT-TCP dst -j ACCEPT\nCOMMIT\n");
    const t = convertDump(d).text;
    expect(t).toContain("ip daddr . meta l4proto . th dport @KUBE-CLUSTER-IP counter accept");
    expect(t).toContain("type ipv4_addr . inet_proto . inet_service");
    expect(t).toContain("ip protocol tcp th dport @KUBE-NODE-PORT-TCP counter accept");
    expect(t).toMatch(/set KUBE-NODE-PORT-TCP \{\n\t\ttype inet_service\n/);
  });

  it("reports what it cannot translate instead of dropping it", () => {
    const d = dump("*filter\n-A INPUT -m string --string evil --algo bm -j DROP\n-A INPUT -j ACCEPT\nCOMMIT\n");
    const r = convertDump(d);
    expect(r.problems).toEqual([expect.objectContaining({ kind: "untranslatable", span: expect.objectContaining({ line: 2 }), chain: "INPUT" })]);
    expect(r.text).toContain("# dockwall: NOT TRANSLATED (line 2)");
    expect(r.text).toContain('# -A INPUT -m string --string "evil" --algo bm -j DROP');
  });
});

describe("tables and chains", () => {
  it("puts base chains at iptables-nft's hooks and priorities", () => {
    const d = dump(
      "*raw\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n*mangle\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT DROP [0:0]\nCOMMIT\n*security\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
    );
    const t = convertDump(d).text;
    expect(t).toContain("type filter hook prerouting priority raw; policy accept;");
    expect(t).toContain("type route hook output priority mangle; policy accept;");
    expect(t).toContain("type nat hook prerouting priority dstnat; policy accept;");
    expect(t).toContain("type nat hook input priority 100; policy accept;");
    expect(t).toContain("type nat hook output priority -100; policy accept;");
    expect(t).toContain("type nat hook postrouting priority srcnat; policy accept;");
    expect(t).toContain("type filter hook input priority filter; policy drop;");
    expect(t).toContain("type filter hook input priority security; policy accept;");
  });

  it("renames chains nft cannot read and rewrites the jumps to them", () => {
    const d = dump("*filter\n:fwd - [0:0]\n:1st - [0:0]\n-A INPUT -j fwd\n-A INPUT -g 1st\nCOMMIT\n");
    const r = convertDump(d);
    expect(r.text).toContain("counter jump fwd_");
    expect(r.text).toContain("counter goto _1st");
    expect(r.text).toContain("chain fwd_ {");
    expect(r.notes.filter((n) => n.code === "chain-renamed")).toHaveLength(2);
    expect(safeNftName("counter", new Set(["counter_"]))).toBe("counter__2");
  });

  it("adds the table prefix and, for inet, lets the other family through each base chain", () => {
    const r = convertDump(dump("*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"), { family: "inet", tablePrefix: "dw-" });
    expect(r.text).toMatch(/table inet dw-filter \{\n\tchain INPUT \{\n\t\ttype filter hook input priority filter; policy drop;\n\t\tmeta nfproto != ipv4 accept\n/);
  });
});

describe("--family inet with an IPv4 and an IPv6 dump", () => {
  const v4 = dump("*filter\n:INPUT DROP [0:0]\n:fwd - [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j fwd\n-A fwd -j RETURN\nCOMMIT\n", "ipv4");
  const v6 = dump("*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -p ipv6-icmp -j ACCEPT\nCOMMIT\n*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n", "ipv6");

  it("writes one inet table per iptables table, each hook jumping to the family's chain and then applying its policy", () => {
    const r = convertInet([{ dump: v6 }, { dump: v4 }]);
    expect(r.problems).toEqual([]);
    expect(r.text).toContain(
      "table inet filter {\n\tchain INPUT {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tmeta nfproto ipv4 jump INPUT-v4\n\t\tmeta nfproto ipv4 drop\n\t\tmeta nfproto ipv6 jump INPUT-v6\n\t}",
    );
    // the IPv4 dump has no OUTPUT rules (nor policy): nothing to jump to
    expect(r.text).toContain("\tchain OUTPUT {\n\t\ttype filter hook output priority filter; policy accept;\n\t\tmeta nfproto ipv6 jump OUTPUT-v6\n\t\tmeta nfproto ipv6 drop\n\t}");
    // user chains take the suffix too, and the jumps follow (a keyword name stays readable with it)
    expect(r.text).toContain("\tchain INPUT-v4 {\n\t\ttcp dport 22 counter accept\n\t\tcounter jump fwd-v4\n\t}");
    expect(r.text).toContain("\tchain INPUT-v6 {\n\t\tmeta l4proto ipv6-icmp counter accept\n\t}");
    // a table only one family has is still one inet table
    expect(r.text).toMatch(/table inet nat \{\n(\tchain [A-Z]+ \{\n[^}]*\}\n)*\tchain POSTROUTING \{\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\tmeta nfproto ipv6 jump POSTROUTING-v6\n\t\}/);
    expect(r.text).toContain("\tchain POSTROUTING-v6 {\n\t\toifname \"eth0\" counter masquerade\n\t}");
    expect(r.stats.tables).toBe(2);
  });

  it("refuses two dumps of one family", () => {
    expect(() => convertInet([{ dump: v4 }, { dump: v4 }])).toThrow(/one IPv4 and one IPv6/);
  });
});

describe("--docker", () => {
  const text = `*nat
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A POSTROUTING -s 10.8.0.0/24 -o eth0 -j MASQUERADE
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i wg0 -o eth0 -j ACCEPT
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER-USER -i eth0 -p tcp -m conntrack --ctorigdstport 8080 --ctproto tcp -j DROP
-A DOCKER-USER -s 192.0.2.0/24 -j ACCEPT
-A DOCKER-USER -j RETURN
COMMIT
`;
  const d = dump(text);
  const r = convertDump(d, { plan: dockerPlan(d) });

  it("leaves out Docker's chains, jumps and MASQUERADEs and keeps the user's rules", () => {
    expect(r.text).not.toMatch(/chain DOCKER \{|jump DOCKER|172\.17\.0|dnat to/);
    expect(r.text).toContain('ip saddr 10.8.0.0/24 oifname "eth0" counter masquerade'.replace('ip saddr 10.8.0.0/24 oifname "eth0"', 'oifname "eth0" ip saddr 10.8.0.0/24'));
    expect(r.text).toContain('iifname "wg0" oifname "eth0" counter accept');
    expect(r.stats.skipped).toBe(7);
  });

  it("turns DOCKER-USER into a forward chain just before Docker's, without Docker's RETURN", () => {
    expect(r.text).toMatch(/chain DOCKER-USER \{\n\t\ttype filter hook forward priority filter - 1; policy accept;\n\t\tiifname "eth0" ip protocol tcp ct original protocol 6 ct original proto-dst 8080 counter drop\n\t\tip saddr 192\.0\.2\.0\/24 counter accept\n\t\}/);
  });

  it("warns where nft differs for a Docker host", () => {
    const codes = r.notes.map((n) => n.code);
    expect(codes).toEqual(expect.arrayContaining(["docker-user", "docker-user-accept", "forward-drop-policy", "nft-accept-not-final"]));
    expect(r.notes.find((n) => n.code === "docker-user")!.message).toMatch(/--bridge-accept-fwmark/);
    expect(r.notes.find((n) => n.code === "docker-user-accept")!.span!.line).toBe(24);
  });
});

describe("--docker recognises Docker's rules in every layout", () => {
  const golden = new URL("../../../shared/docker-golden/iptables/", import.meta.url);
  const have = existsSync(golden);
  if (!have) console.warn("[skip] --docker on the golden dumps: ../shared/docker-golden not found");

  it.skipIf(!have)("leaves nothing of Docker's own golden dumps (284 layouts, both families) but empty chains", () => {
    const files = readdirSync(golden).filter((f) => f.endsWith(".golden"));
    expect(files.length).toBe(284);
    const left: string[] = [];
    for (const f of files) {
      const d = dump(readFileSync(new URL(f, golden), "utf8"), f.includes("ip6tables") ? "ipv6" : "ipv4");
      const r = convertDump(d, { plan: dockerPlan(d) });
      if (r.stats.nftRules > 0) left.push(`${f}: ${r.stats.nftRules} rules left`);
      expect(r.text).not.toMatch(/chain DOCKER(-ISOLATION|-FORWARD|-CT|-BRIDGE|-INTERNAL|-INGRESS)? \{/);
    }
    expect(left).toEqual([]);
  });

  it("keeps the user's rules of a Docker 27 host and only those", () => {
    const d = dump(readFileSync(new URL("../../fixtures/lab/docker-27.rules", import.meta.url), "utf8"));
    const r = convertDump(d, { plan: dockerPlan(d) });
    const kept = r.text.split("\n").filter((l) => /counter/.test(l)).map((l) => l.trim());
    expect(kept).toEqual([
      'iifname "lo" counter accept',
      "ct state related,established counter accept",
      "ip saddr 10.10.0.0/16 tcp dport 22 counter accept",
      "icmp type echo-request counter accept",
    ]);
  });
});

describe("dockwall convert (the bundled CLI)", () => {
  let cli: Cli;
  beforeAll(async () => {
    cli = await buildCli();
  });
  afterAll(() => cli?.dispose());

  const lossy = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m u32 --u32 \"0>>22&0x3C@12>>26&0x3C@0=0x48\" -j DROP\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";

  it("exits 3 and writes nothing when a rule cannot be translated exactly", () => {
    const r = cli.run(["convert", "-"], { input: lossy });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("<stdin>:3:1: error: this rule cannot be translated to nft exactly: -m u32");
    expect(r.stderr).toContain("1 rule cannot be translated exactly; nothing written");
  });

  it("with --allow-lossy writes the script, marks the rule and still reports it", () => {
    const r = cli.run(["convert", "--allow-lossy", "-"], { input: lossy });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("# dockwall: NOT TRANSLATED (line 3): -m u32");
    expect(r.stdout).toContain("tcp dport 22 counter accept");
    expect(r.stderr).toContain("<stdin>:3:1: warning: this rule cannot be translated to nft exactly");
  });

  it("exits 2 with FILE:LINE:COL on bad input", () => {
    const r = cli.run(["convert", "-"], { input: "*filter\n-A INPUT -p tcp --dport x -j ACCEPT\nCOMMIT\n" });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    // eslint-disable-next-line no-control-regex
    expect(r.stderr.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(/^<stdin>:2:\d+: error: /);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it("refuses a table prefix nft cannot read", () => {
    const r = cli.run(["convert", "--table-prefix", "a b", "-"], { input: "*filter\nCOMMIT\n" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--table-prefix");
  });
});
