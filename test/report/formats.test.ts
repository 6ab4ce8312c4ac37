import { describe, expect, it } from "vitest";
import { formatGithub, escapeData, escapeProperty } from "../../src/report/github.js";
import { formatJson, LINT_JSON_VERSION } from "../../src/report/json.js";
import { formatText } from "../../src/report/text.js";
import { sampleInput } from "./sample.js";

describe("sample result", () => {
  it("holds what the formatter tests rely on", () => {
    const input = sampleInput();
    expect(input.result.findings.map((f) => f.id)).toEqual(["DW204", "DW202", "DW110"]);
    expect(input.result.suppressed.map((s) => [s.finding.id, s.by, s.reason])).toEqual([["DW205", "comment", "kept for an old audit script"]]);
  });
});

describe("text", () => {
  it("shows the dump's own lines under each finding, with the related role", () => {
    const out = formatText(sampleInput(), { color: false });
    expect(out).toContain("hosts/web1, prod.rules:8:1: warning DW202 duplicate-rule:");
    expect(out).toContain("  8 | -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n    | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^");
    expect(out).toMatch(/ {2}7 \| -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n {4}\| -+ first copy/);
    expect(out).toContain("witness: tcp 203.0.113.9:40000 -> 198.51.100.1:22 in on eth0: accepted by INPUT line 7");
    expect(out).toContain("replay:  dockwall trace x.rules");
    expect(out).toContain("fix (delete-duplicate, verified): delete the second copy\n      iptables -D INPUT 2");
    expect(out).toMatch(/0 errors, 2 warnings, 1 info \(1 suppressed\)\n$/);
    expect(out).not.toContain("\u001b[");
  });

  it("colours only when asked", () => {
    expect(formatText(sampleInput(), { color: true })).toContain("\u001b[");
  });
});

describe("json", () => {
  it("follows the documented version 1 schema", () => {
    const doc = JSON.parse(formatJson(sampleInput()));
    expect(doc.version).toBe(LINT_JSON_VERSION);
    expect(Object.keys(doc.findings[1]).sort()).toEqual(["fingerprint", "fixes", "id", "location", "message", "name", "related", "severity", "witness"]);
    expect(doc.findings[1]).toMatchObject({
      id: "DW202",
      name: "duplicate-rule",
      severity: "warning",
      location: { file: "hosts/web1, prod.rules", line: 8, column: 1 },
      related: [{ file: "hosts/web1, prod.rules", line: 7, column: 1, role: "first copy" }],
      witness: { dport: 22, traceCommand: expect.stringContaining("dockwall trace") },
      fixes: [{ strategy: "delete-duplicate", verification: { status: "verified" } }],
    });
    expect(doc.findings[0].witness).toBeNull();
    expect(doc.suppressed[0]).toMatchObject({ id: "DW205", suppression: { by: "comment", reason: "kept for an old audit script" } });
    expect(doc.summary).toEqual({ error: 0, warning: 2, info: 1, suppressed: 1, baselined: 0 });
  });
});

describe("github", () => {
  it("escapes workflow-command data and properties", () => {
    expect(escapeData("50% a\nb\r")).toBe("50%25 a%0Ab%0D");
    expect(escapeProperty("a:b,c%")).toBe("a%3Ab%2Cc%25");
  });

  it("prints one annotation per finding with file, line, col and title", () => {
    const lines = formatGithub(sampleInput()).trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^::notice file=hosts\/web1%2C prod\.rules,line=6,col=1,title=DW204 unreferenced-chain::no rule jumps/);
    expect(lines[1]).toMatch(/^::warning file=hosts\/web1%2C prod\.rules,line=8,col=1,title=DW202 duplicate-rule::.*%0Afirst copy%3A|%0Afirst copy: hosts/);
    expect(lines[1]).not.toContain("\n");
    expect(lines[3]).toBe("dockwall: 0 errors, 2 warnings, 1 info (1 suppressed, 0 in baseline)");
  });
});
