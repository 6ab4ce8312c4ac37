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

  it("keeps a chain called __proto__", () => {
    const d = parse("*filter\n:__proto__ - [0:0]\n-A __proto__ -j RETURN\nCOMMIT\n");
    expect(d.tables.get("filter")!.chains.get("__proto__")!.rules).toHaveLength(1);
  });
});
