import { describe, expect, it } from "vitest";
import { findings, loadDump } from "../../../../test/lint/fixture.js";
import { deprecatedStateMatch } from "./index.js";

describe("DW205 deprecated-state-match", () => {
  it("suggests the conntrack spelling with the same states", () => {
    const fs = findings(deprecatedStateMatch, loadDump("lint/deprecated-state-match/trigger.rules"));
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ id: "DW205", severity: "info", location: { line: 5 } });
    expect(fs[0]!.message).toContain("-m conntrack --ctstate RELATED,ESTABLISHED");
  });

  it("leaves Docker's own swarm rules alone", () => {
    expect(findings(deprecatedStateMatch, loadDump("lint/deprecated-state-match/clean.rules"))).toEqual([]);
  });
});
