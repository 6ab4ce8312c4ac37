import { describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { printDump } from "../../src/emit/save.js";
import { DumpError } from "../../src/syntax/build.js";

const classic = `*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 172.16.0.0/26 -p tcp --dport 443 -j ACCEPT
COMMIT
`;

describe("parser", () => {
  it("reads a rule with spans", () => {
    const d = parse(classic, { file: "x.rules" });
    const r = d.tables.get("filter")!.chains.get("INPUT")!.rules[0]!;
    expect(r.src).toMatchObject({ addr: "172.16.0.0", prefix: 26, span: { line: 5, col: 10 } });
    expect(r.matches[0]).toMatchObject({ name: "tcp", implicit: true, options: [{ name: "--dport", args: ["443"] }] });
    expect(r.target).toMatchObject({ name: "ACCEPT", kind: "standard" });
  });

  it("prints the implicit -m tcp", () => {
    expect(printDump(parse(classic))).toContain("-A INPUT -s 172.16.0.0/26 -p tcp -m tcp --dport 443 -j ACCEPT");
  });

  it("names a truncated dump", () => {
    expect(() => parse("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n")).toThrowError(/truncated dump: table 'filter'/);
    try {
      parse("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport");
    } catch (e) {
      expect(e).toBeInstanceOf(DumpError);
      expect((e as DumpError).diagnostics[0]).toMatchObject({ span: { line: 3 }, code: "truncated" });
    }
  });

  it("shares only frozen arrays and counters between rules, so editing one rule cannot change another", () => {
    const text = `*filter
:INPUT ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
-A INPUT -p tcp -m tcp --dport 80 -m comment --comment "web" -j REJECT
-A INPUT -p tcp -m tcp --dport 80 -m comment --comment "web" -j REJECT --reject-with icmp-port-unreachable
-A INPUT -p tcp -m tcp --syn -j A
-A INPUT -p tcp -m tcp --syn -j B
-A A -m statistic --mode random --probability 0.5 -j B
-A A -m statistic --mode random --probability 0.5 -j B
COMMIT
`;
    const owner = new Map<object, number>();
    const shared = new Set<object>();
    const visit = (v: unknown, rule: number) => {
      if (!v || typeof v !== "object") return;
      const seen = owner.get(v);
      if (seen !== undefined && seen !== rule) shared.add(v);
      if (seen !== undefined) return;
      owner.set(v, rule);
      for (const x of Object.values(v)) visit(x, rule);
    };
    const d = parse(text);
    const rules = [...d.tables.get("filter")!.chains.values()].flatMap((c) => c.rules);
    rules.forEach((r, i) => visit(r, i));
    for (const c of d.tables.get("filter")!.chains.values()) visit(c.counters, -1);
    expect(shared.size).toBeGreaterThan(0);
    for (const v of shared) expect(Object.isFrozen(v), JSON.stringify(v)).toBe(true);
    const args = rules[0]!.matches[0]!.options[0]!.args;
    expect(() => args.push("81")).toThrow();
    // edits go through new arrays, as they must
    rules[2]!.target!.options = [...rules[2]!.target!.options, { name: "--x", neg: false, args: [], span: rules[2]!.span }];
    expect(rules[3]!.target!.options).toEqual([]);
  });

  it("keeps a chain called __proto__", () => {
    const d = parse("*filter\n:__proto__ - [0:0]\n-A __proto__ -j RETURN\nCOMMIT\n");
    expect(d.tables.get("filter")!.chains.get("__proto__")!.rules).toHaveLength(1);
  });
});
