import { describe, expect, it } from "vitest";
import { findings, loadDump } from "../../../../test/lint/fixture.js";
import { legacyNftSplit } from "./index.js";

describe("DW110 legacy-nft-split", () => {
  it("points at iptables' own warning line", () => {
    const fs = findings(legacyNftSplit, loadDump("lint/legacy-nft-split/trigger.rules"));
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ id: "DW110", severity: "warning", location: { line: 9, column: 1 } });
    expect(fs[0]!.message).toContain("iptables-legacy-save");
  });

  it("is quiet without the warning", () => {
    expect(findings(legacyNftSplit, loadDump("lint/legacy-nft-split/clean.rules"))).toEqual([]);
  });
});
