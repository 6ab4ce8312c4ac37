import { describe, expect, it } from "vitest";
import { dumpOf, findings, loadDump } from "../../../../test/lint/fixture.js";
import { undefinedChain } from "./index.js";

describe("DW203 undefined-chain", () => {
  it("reports a jump to a chain the script deletes with -X", () => {
    const fs = findings(undefinedChain, loadDump("lint/undefined-chain/trigger.rules"));
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ id: "DW203", severity: "error", location: { line: 9 } });
    expect(fs[0]!.message).toContain("'ssh-allow'");
  });

  it("accepts declared chains and kernel targets dockwall may not model (REJECT, LOG)", () => {
    expect(findings(undefinedChain, loadDump("lint/undefined-chain/clean.rules"))).toEqual([]);
  });

  it("reports gotos too", () => {
    const d = dumpOf("*nat\n:PREROUTING ACCEPT [0:0]\n-N NOWHERE\n-A PREROUTING -g NOWHERE\n-X NOWHERE\nCOMMIT\n");
    const fs = findings(undefinedChain, d);
    expect(fs.map((f) => f.message)).toEqual([expect.stringContaining("goes to (-g) chain 'NOWHERE'")]);
  });
});
