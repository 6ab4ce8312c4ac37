// The chevrotain line grammar: its own checks, the committed railroad diagram,
// the lexer's word classes, and the memo that skips the parser for token-type
// sequences it has already judged (it must never change an answer).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DIAGRAM, diagramHtml } from "../../grammar/diagram.mjs";
import { parse } from "../../src/extensions/index.js";
import { classifyLine, grammarProblems, lexLine, resetLineMemo, serializedGrammar } from "../../src/syntax/grammar.js";
import { badFixtures, goodFixtures } from "./fixtures.js";

describe("line grammar", () => {
  it("passes chevrotain's grammar and lexer checks", () => {
    expect(grammarProblems()).toEqual([]);
  });

  it("grammar/diagram.html is generated from the current grammar (run `npm run grammar`)", () => {
    expect(readFileSync(DIAGRAM, "utf8")).toBe(diagramHtml(serializedGrammar()));
  });

  it("has the rules grammar/README.md documents", () => {
    const names = serializedGrammar().map((r) => (r as unknown as { name: string }).name);
    expect(names).toEqual(["line", "tableHeader", "chainDeclaration", "commitLine", "commandLine", "argument"]);
    const doc = readFileSync(new URL("../../grammar/README.md", import.meta.url), "utf8");
    for (const n of names) expect(doc).toContain(n);
  });
});

const kinds = (line: string) => {
  const t = lexLine(line);
  return Array.isArray(t) ? t.map((x) => `${x.tokenType.name}:${x.image}`) : t;
};

describe("lexer", () => {
  it("tells keywords from words that start like them", () => {
    expect(kinds("-A INPUT -Afoo COMMIT COMMITTED ! !x [1:2] [1:2]x")).toEqual([
      "Command:-A", "Word:INPUT", "Option:-Afoo", "Commit:COMMIT", "Word:COMMITTED", "Bang:!", "Word:!x", "Counters:[1:2]", "Word:[1:2]x",
    ]);
  });

  it("reads quoted words with escapes and finds unterminated quotes", () => {
    expect(kinds('--comment "a \\" b" x')).toEqual(["Option:--comment", 'Quoted:"a \\" b"', "Word:x"]);
    expect(kinds('--comment "open')).toEqual({ offset: 10, message: "unterminated quoted string (the line looks cut off)" });
  });

  it("reads table, chain and long command names", () => {
    expect(kinds("*nat")).toEqual(["TableName:*nat"]);
    expect(kinds(":DOCKER-USER - [0:0]")).toEqual(["ChainName::DOCKER-USER", "Word:-", "Counters:[0:0]"]);
    expect(kinds("--append X --new-chain")).toEqual(["Command:--append", "Word:X", "Command:--new-chain"]);
  });
});

describe("line memo", () => {
  const lines = [
    ...goodFixtures().flatMap((f) => f.text.split(/\r?\n/)),
    ...badFixtures().flatMap((f) => f.text.split("\n")),
    ":INPUT", "COMMIT now", "*filter extra", "[0:0]", "-A", "foo -A X", "! -A X",
  ].filter((l) => l.trim() && !l.trimStart().startsWith("#"));

  it("gives every line the answer chevrotain gives it without the memo", () => {
    resetLineMemo();
    const cached = lines.map((l) => {
      const t = lexLine(l);
      return Array.isArray(t) ? classifyLine(t, 0, t.length, () => l) : t;
    });
    const fresh = lines.map((l) => {
      resetLineMemo();
      const t = lexLine(l);
      return Array.isArray(t) ? classifyLine(t, 0, t.length, () => l) : t;
    });
    expect(cached).toEqual(fresh);
    expect(fresh.filter((k) => typeof k !== "string").length).toBeGreaterThan(5);
  });

  it("parses a dump the same with a cold and a warm memo", () => {
    const text = goodFixtures().find((f) => f.name === "ufw-docker.rules")!.text;
    resetLineMemo();
    const cold = JSON.stringify([...parse(text).tables.values()].map((t) => [...t.chains.values()]));
    const warm = JSON.stringify([...parse(text).tables.values()].map((t) => [...t.chains.values()]));
    expect(warm).toBe(cold);
  });
});
