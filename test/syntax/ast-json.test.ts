// The JSON form of the AST (grammar/ast-json.md): every fixture's JSON is checked
// field by field against the documented schema, and the documented example is
// the real output for its rule.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dumpToJson } from "../../src/emit/json.js";
import { parse } from "../../src/extensions/index.js";
import { goodFixtures } from "./fixtures.js";

type Check = (v: unknown, path: string) => void;
const fail = (path: string, want: string, v: unknown) => {
  throw new Error(`${path}: expected ${want}, got ${JSON.stringify(v)}`);
};
const str: Check = (v, p) => void (typeof v === "string" || fail(p, "string", v));
const num: Check = (v, p) => void ((typeof v === "number" && Number.isInteger(v) && v >= 0) || fail(p, "integer", v));
const bool: Check = (v, p) => void (typeof v === "boolean" || fail(p, "boolean", v));
const oneOf = (...xs: unknown[]): Check => (v, p) => void (xs.includes(v) || fail(p, xs.join("|"), v));
const nullable = (c: Check): Check => (v, p) => void (v === null || c(v, p));
const arr = (c: Check): Check => (v, p) => {
  if (!Array.isArray(v)) fail(p, "array", v);
  (v as unknown[]).forEach((x, i) => c(x, `${p}[${i}]`));
};
/** An object with exactly these fields. */
const obj = (fields: Record<string, Check>): Check => (v, p) => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(p, "object", v);
  expect(Object.keys(v as object).sort(), p).toEqual(Object.keys(fields).sort());
  for (const [k, c] of Object.entries(fields)) c((v as Record<string, unknown>)[k], `${p}.${k}`);
};

const span = obj({ line: num, col: num, endCol: num });
const digits: Check = (v, p) => void ((typeof v === "string" && /^\d+$/.test(v)) || fail(p, "a string of digits", v));
const counters = nullable(obj({ packets: digits, bytes: digits }));
const option = obj({ name: (v, p) => void (/^-/.test(String(v)) || fail(p, "an option name", v)), neg: bool, args: arr(str), span });
const named = nullable(obj({ neg: bool, value: str, span }));
const addr = nullable(obj({ neg: bool, addr: str, prefix: nullable(num), mask: str, span }));
const rule = obj({
  span, counters, src: addr, dst: addr, inIface: named, outIface: named, proto: named,
  fragment: nullable(obj({ neg: bool, span })),
  matches: arr(obj({ name: str, known: bool, implicit: bool, options: arr(option), span })),
  target: nullable(obj({ name: str, kind: oneOf("standard", "extension", "chain", "unknown"), goto: bool, options: arr(option), span })),
});
const schema = obj({
  version: oneOf(1),
  file: str,
  family: oneOf("ipv4", "ipv6"),
  header: nullable(obj({ tool: str, version: str, backend: oneOf("nf_tables", "legacy", null), span })),
  legacyTablesWarning: nullable(span),
  isRestoreScript: bool,
  warnings: arr(obj({ severity: oneOf("warning"), code: str, message: str, span })),
  tables: arr(obj({
    name: oneOf("raw", "mangle", "filter", "nat", "security"),
    span,
    commit: nullable(span),
    chains: arr(obj({ name: str, builtin: bool, policy: oneOf("ACCEPT", "DROP", null), counters, declared: nullable(span), rules: arr(rule) })),
  })),
});

describe("AST JSON", () => {
  for (const f of goodFixtures()) {
    it(`${f.name} matches the documented schema`, () => {
      const j = JSON.parse(JSON.stringify(dumpToJson(parse(f.text, { file: f.name }))));
      schema(j, "$");
    });
  }

  it("catches a shape change (the checker can fail)", () => {
    const j = JSON.parse(JSON.stringify(dumpToJson(parse(goodFixtures()[0]!.text))));
    j.tables[0].chains[0].rules[0].extra = 1;
    expect(() => schema(j, "$")).toThrow();
    delete j.tables[0].chains[0].rules[0].extra;
    j.tables[0].chains[0].rules[0].counters = { packets: 1, bytes: "2" };
    expect(() => schema(j, "$")).toThrow(/digits/);
  });

  it("the example in grammar/ast-json.md is real output", () => {
    const doc = readFileSync(new URL("../../grammar/ast-json.md", import.meta.url), "utf8");
    const example = JSON.parse(/Example[^\n]*\n\n```json\n([\s\S]*?)```/.exec(doc)![1]!);
    const f = goodFixtures().find((x) => x.name === "classic-report.rules")!;
    const j = dumpToJson(parse(f.text, { file: f.name })) as { tables: { name: string; chains: { name: string; rules: { span: { line: number } }[] }[] }[] };
    const input = j.tables.find((t) => t.name === "filter")!.chains.find((c) => c.name === "INPUT")!;
    expect(input.rules.find((r) => r.span.line === example.span.line)).toEqual(example);
  });

  it("keys never come from input: a chain called __proto__ stays an array element", () => {
    const j = JSON.parse(JSON.stringify(dumpToJson(parse("*filter\n:__proto__ - [0:0]\n-A INPUT -j __proto__\nCOMMIT\n"))));
    expect(j.tables[0].chains.map((c: { name: string }) => c.name)).toEqual(["INPUT", "FORWARD", "OUTPUT", "__proto__"]);
    expect(j.tables[0].chains[0].rules[0].target).toMatchObject({ name: "__proto__", kind: "chain" });
  });
});
