import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { swarmIngressAllAddresses } from "./index.js";

describe("DW114 swarm-ingress-all-addresses", () => {
  const { trigger, clean } = triggerAndClean(swarmIngressAllAddresses);

  it("reports the ingress DNAT", () => {
    expect(trigger).toHaveLength(1);
    expect(trigger[0]).toMatchObject({ id: "DW114", severity: "info", location: { line: 28 } });
  });

  it("is quiet without ingress publishing", () => {
    expect(clean).toEqual([]);
  });
});
