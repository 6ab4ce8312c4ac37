// SARIF output checked against the official SARIF 2.1.0 schema (rtm.5, the
// final 2.1.0 schema), as shipped by Microsoft's @microsoft/jest-sarif package.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { formatSarif } from "../../src/report/sarif.js";
import { sampleInput } from "./sample.js";

const require = createRequire(import.meta.url);
const schema = require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");

interface Validate {
  (data: unknown): boolean;
  errors?: unknown[] | null;
}

function validator(): Validate {
  // both packages are CommonJS with a `default` export
  const Ajv = require("ajv-draft-04").default;
  const addFormats = require("ajv-formats").default;
  // unicodeRegExp off: the official schema's `language` pattern has a stray `]` that /u rejects
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe("sarif", () => {
  const validate = validator();

  it("is valid SARIF 2.1.0", () => {
    const log = JSON.parse(formatSarif(sampleInput()));
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("stays valid for absolute paths and stdin", () => {
    for (const file of ["/etc/iptables/rules v4", "<stdin>"]) {
      const log = JSON.parse(formatSarif(sampleInput(file)));
      expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it("the validator rejects a broken log (the check can fail)", () => {
    const log = JSON.parse(formatSarif(sampleInput()));
    log.runs[0].results[0].level = "fatal";
    expect(validate(log)).toBe(false);
    const log2 = JSON.parse(formatSarif(sampleInput()));
    delete log2.runs[0].tool.driver.name;
    expect(validate(log2)).toBe(false);
  });

  it("carries rules, locations, related locations, fingerprints and suppressions", () => {
    const log = JSON.parse(formatSarif(sampleInput()));
    const run = log.runs[0];
    const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
    const dup = run.results.find((r: { ruleId: string }) => r.ruleId === "DW202");
    expect(ids[dup.ruleIndex]).toBe("DW202");
    expect(dup.level).toBe("warning");
    expect(dup.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: "hosts/web1,%20prod.rules" }, region: { startLine: 8, startColumn: 1, endColumn: 44 } });
    expect(dup.relatedLocations[0]).toMatchObject({ id: 1, message: { text: "first copy" }, physicalLocation: { region: { startLine: 7 } } });
    expect(dup.partialFingerprints["dockwall/v1"]).toMatch(/^[0-9a-f]{32}$/);
    const sup = run.results.find((r: { ruleId: string }) => r.ruleId === "DW205");
    expect(sup.suppressions).toEqual([{ kind: "inSource", justification: "kept for an old audit script" }]);
    const info = run.results.find((r: { ruleId: string }) => r.ruleId === "DW204");
    expect(info.level).toBe("note");
    expect(run.tool.driver.rules[ids.indexOf("DW109")].help.markdown).toContain("# DW109 docker-user-not-wired");
  });
});
