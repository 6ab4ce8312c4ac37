import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { directRoutingToContainers } from "./index.js";

describe("DW107 direct-routing-to-containers", () => {
  const { trigger, clean, dump } = triggerAndClean(directRoutingToContainers);

  it("reports unpublished container ports reachable by routing, at the FORWARD policy that accepts", () => {
    expect(trigger).toHaveLength(1);
    expect(trigger[0]).toMatchObject({ id: "DW107", severity: "warning", location: { line: 5 } });
    const t = replay(trigger[0]!, dump);
    expect(t.outcome).toBe("forwarded");
    expect(t.nat).toEqual([]);
    expect(t.final.iface).toBe("docker0");
    // not the published container port
    expect(t.packet.dst === "172.17.0.2" && t.packet.dport === 80).toBe(false);
  });

  it("is quiet with Docker 28's raw drops", () => {
    expect(clean).toEqual([]);
  });
});
