// Restore semantics and the parser's messages, case by case, beyond the fixtures.
import { describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { DumpError } from "../../src/syntax/build.js";
import type { Dump } from "../../src/syntax/ast.js";

const F = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
const filter = (body: string, opts = {}) => parse(`${F}${body}COMMIT\n`, opts);
const errorsOf = (text: string, opts = {}): string[] => {
  try {
    parse(text, opts);
  } catch (e) {
    if (e instanceof DumpError) return e.diagnostics.map((d) => `${d.span.line}:${d.span.col}: ${d.message}`);
    throw e;
  }
  return [];
};
const rulesOf = (d: Dump, chain: string, table = "filter") => d.tables.get(table)!.chains.get(chain)!.rules;
const targets = (d: Dump, chain: string) => rulesOf(d, chain).map((r) => r.target?.name);

describe("restore commands", () => {
  it("-I with and without a position, -D by number and by rule, -R", () => {
    const d = filter(":X - [0:0]\n-A X -j ACCEPT\n-A X -j DROP\n-I X -j RETURN\n-I X 2 -j QUEUE\n-D X 1\n-D X -j DROP\n-R X 1 -p tcp -j ACCEPT\n");
    expect(targets(d, "X")).toEqual(["ACCEPT", "ACCEPT"]);
    expect(rulesOf(d, "X")[0]!.proto?.value).toBe("tcp");
    expect(d.isRestoreScript).toBe(true);
  });

  it("-E renames a chain and the jumps to it", () => {
    const d = filter(":OLD - [0:0]\n-A OLD -j ACCEPT\n-A INPUT -j OLD\n-E OLD NEW\n");
    const t = d.tables.get("filter")!;
    expect(t.chains.has("OLD")).toBe(false);
    expect(rulesOf(d, "NEW")[0]!.chain).toBe("NEW");
    expect(rulesOf(d, "INPUT")[0]!.target).toMatchObject({ name: "NEW", kind: "chain" });
  });

  it("-F empties, -X deletes, -P sets a policy", () => {
    const d = filter(":A - [0:0]\n:B - [0:0]\n-A A -j ACCEPT\n-A INPUT -j ACCEPT\n-F A\n-X B\n-P INPUT DROP\n");
    expect(rulesOf(d, "A")).toEqual([]);
    expect(d.tables.get("filter")!.chains.has("B")).toBe(false);
    expect(d.tables.get("filter")!.chains.get("INPUT")!.policy).toBe("DROP");
  });

  it("refuses what iptables-restore refuses", () => {
    expect(errorsOf(`${F}-D INPUT 3\nCOMMIT\n`)).toEqual(["5:10: -D INPUT 3: no such rule"]);
    expect(errorsOf(`${F}-D INPUT -p udp -j DROP\nCOMMIT\n`)).toEqual(["5:1: -D INPUT: no rule like this one in the chain"]);
    expect(errorsOf(`${F}-X INPUT\nCOMMIT\n`)[0]).toBe("5:4: cannot delete built-in chain INPUT");
    expect(errorsOf(`${F}-N INPUT\nCOMMIT\n`)[0]).toBe("5:4: chain 'INPUT' already exists");
    expect(errorsOf(`${F}:X - [0:0]\n-P X DROP\nCOMMIT\n`)[0]).toBe("6:4: only built-in chains have a policy; 'X' is a user chain");
    expect(errorsOf(`${F}-P INPUT REJECT\nCOMMIT\n`)[0]).toBe("5:10: policy must be ACCEPT or DROP, not 'REJECT'");
    expect(errorsOf(`${F}-A INPUT -j INPUT\nCOMMIT\n`)[0]).toBe("5:13: cannot jump to built-in chain INPUT");
    expect(errorsOf(`${F}-A INPUT -g ACCEPT\nCOMMIT\n`)[0]).toBe("5:13: -g needs a user chain, not ACCEPT");
    expect(errorsOf(`${F}:ACCEPT - [0:0]\nCOMMIT\n`)[0]).toBe("5:1: 'ACCEPT' cannot be a chain name");
    expect(errorsOf(`${F}:${"X".repeat(29)} - [0:0]\nCOMMIT\n`)[0]).toMatch(/^5:1: chain name 'X+' is longer than 28 characters$/);
    expect(errorsOf(`${F}-A INPUT -j ACCEPT -j DROP\nCOMMIT\n`)[0]).toBe("5:20: a rule can have only one -j or -g");
    expect(errorsOf(`${F}-A INPUT ACCEPT\nCOMMIT\n`)[0]).toBe("5:10: unexpected 'ACCEPT': expected an option such as -p, -m or -j");
    expect(errorsOf(`${F}-A INPUT -p tcp --dport 22 --dport 23 -j ACCEPT\nCOMMIT\n`)[0]).toBe("5:28: --dport given twice");
    expect(errorsOf(`${F}-A INPUT --dport 22 -j ACCEPT\nCOMMIT\n`)[0]).toBe("5:10: unknown option '--dport' (a port match needs -p tcp or -p udp first)");
    expect(errorsOf(`${F}-A INPUT -p tcp ! --syn !\nCOMMIT\n`)[0]).toBe("5:26: '!' must be followed by an option");
    expect(errorsOf(`${F}-A INPUT -p bogus -j ACCEPT\nCOMMIT\n`)[0]).toBe("5:13: unknown protocol 'bogus'");
    expect(errorsOf(`${F}:INPUT\nCOMMIT\n`)[0]).toBe("5:7: a chain line needs a policy: `:NAME POLICY [packets:bytes]` (use `-` for user chains)");
    expect(errorsOf(`${F}COMMIT extra\n`)[0]).toBe("5:8: unexpected 'extra' after 'COMMIT'");
    expect(errorsOf(`${F}-A INPUT -c 1 x -j ACCEPT\nCOMMIT\n`)[0]).toBe("5:13: -c needs two numbers: packets and bytes");
  });

  it("points a cut-off last line at its end and calls the dump truncated", () => {
    const e = errorsOf(`${F}-A INPUT -s`);
    expect(e).toEqual(["5:12: -s needs an address: the rule is cut off (truncated dump)"]);
    expect(errorsOf(`${F}-A INPUT -s\nCOMMIT\n`)).toEqual(["5:12: -s needs an address"]);
  });

  it("stops after 20 errors", () => {
    expect(errorsOf(`${F}${"-A INPUT -p nope\n".repeat(50)}COMMIT\n`)).toHaveLength(20);
  });
});

describe("rules", () => {
  it("reads old-style negation, address lists and masks", () => {
    const d = filter("-A INPUT -s ! 10.0.0.1 -j DROP\n-A INPUT -s 10.1.2.3/8,192.168.0.0/255.255.0.0 -d 1.2.3.4 -j ACCEPT\n-A INPUT -d 10.0.0.0/255.0.255.0 -j DROP\n");
    const r = rulesOf(d, "INPUT");
    expect(r[0]!.src).toMatchObject({ neg: true, addr: "10.0.0.1", prefix: 32 });
    expect(r.slice(1, 3).map((x) => [x.src!.addr, x.src!.prefix])).toEqual([["10.0.0.0", 8], ["192.168.0.0", 16]]);
    expect(r[1]!.span).toEqual(r[2]!.span);
    expect(r[3]!.dst).toMatchObject({ addr: "10.0.0.0", prefix: null, mask: "255.0.255.0" });
  });

  it("binds options: current module first, then earlier ones, then the -p module", () => {
    const d = filter("-A INPUT -p tcp -m conntrack --ctstate NEW --dport 22 -m comment --comment \"ssh\" -j ACCEPT\n");
    const [ct, tcp, comment] = rulesOf(d, "INPUT")[0]!.matches;
    expect(ct).toMatchObject({ name: "conntrack", options: [{ name: "--ctstate" }] });
    expect(tcp).toMatchObject({ name: "tcp", implicit: true, options: [{ name: "--dport", args: ["22"] }] });
    expect(comment).toMatchObject({ name: "comment", options: [{ name: "--comment", args: ["ssh"] }] });
    expect(errorsOf(`${F}-A INPUT -p tcp -m conntrack --ctstate NEW --dport 22 -m comment --comment x --ctstate NEW -j ACCEPT\nCOMMIT\n`)).toEqual([
      "5:78: --ctstate given twice",
    ]);
  });

  it("skips -4 rules in IPv6 and -6 rules in IPv4 dumps", () => {
    const d = filter("-A INPUT -4 -j ACCEPT\n-A INPUT -6 -j DROP\n");
    expect(targets(d, "INPUT")).toEqual(["ACCEPT"]);
  });

  it("-f is IPv4 only", () => {
    expect(rulesOf(filter("-A INPUT -f -j DROP\n"), "INPUT")[0]!.fragment).toMatchObject({ neg: false });
    expect(errorsOf(`${F}-A INPUT -f -j DROP\nCOMMIT\n`, { family: "ipv6" })[0]).toBe("5:10: -f (fragment) exists only in iptables, not ip6tables");
  });
});

describe("characters", () => {
  it("words may start with any character, as in iptables-restore", () => {
    const d = filter("-A INPUT -m comment --comment 日本語 -j ACCEPT\n-A INPUT -m comment --comment ça -j ACCEPT\n");
    expect(rulesOf(d, "INPUT").map((r) => r.matches[0]!.options[0]!.args[0])).toEqual(["日本語", "ça"]);
  });

  it("a carriage return inside a line is named, not printed", () => {
    expect(errorsOf("*filter\r-A INPUT -j ACCEPT\rCOMMIT\r")).toEqual(["1:8: unexpected character a carriage return (\\r) inside a line: old Mac line ends?"]);
  });
});

describe("warnings", () => {
  it("one warning per unknown module, with the count", () => {
    const d = filter("-A INPUT -m foo --x 1 -j ACCEPT\n-A INPUT -m foo --x 2 -j ACCEPT\n-A INPUT -m foo -j ACCEPT\n-A INPUT -j FOOTARGET --y\n");
    expect(d.warnings.map((w) => [w.span.line, w.message])).toEqual([
      [5, "unknown match module 'foo': kept verbatim, but dockwall cannot say what it matches (2 more rules use it)"],
      [8, "unknown target 'FOOTARGET': kept verbatim, but dockwall cannot say what it does"],
    ]);
    expect(rulesOf(d, "INPUT")[1]!.matches[0]).toMatchObject({ name: "foo", known: false, options: [{ name: "--x", args: ["2"] }] });
  });

  it("a netfilter target without options is a module, any other unknown name a missing chain", () => {
    expect(filter("-A INPUT -j TRACE\n").warnings).toHaveLength(0);
    expect(errorsOf(`${F}-A INPUT -j TRACER\nCOMMIT\n`)[0]).toMatch(/^5:13: chain 'TRACER' does not exist/);
  });

  it("duplicate declarations and tables warn, as iptables-restore accepts them", () => {
    const d = parse(`${F}:X - [0:0]\n-A X -j ACCEPT\n:X - [0:0]\n:INPUT DROP [0:0]\nCOMMIT\n*filter\nCOMMIT\n`);
    expect(d.warnings.map((w) => w.code)).toEqual(["duplicate-chain", "duplicate-chain", "duplicate-table"]);
  });

  it("an empty input warns", () => {
    expect(parse("").warnings.map((w) => w.code)).toEqual(["empty"]);
    expect(parse("# only a comment\n").warnings.map((w) => w.code)).toEqual(["empty"]);
  });

  it("the family follows the first header, and addresses when there is none", () => {
    expect(parse("# Generated by ip6tables-save v1.8.9 (nf_tables) on x\n*filter\nCOMMIT\n").family).toBe("ipv6");
    expect(parse("*filter\n-A INPUT -s fd00::1 -j ACCEPT\nCOMMIT\n").family).toBe("ipv6");
    expect(parse("*filter\n-A INPUT -s 10.0.0.1 -j ACCEPT\nCOMMIT\n").family).toBe("ipv4");
  });
});
