import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { containerPortCollision } from "./index.js";

describe("DW115 container-port-collision", () => {
  const { trigger, clean, dump } = triggerAndClean(containerPortCollision);

  it("reports a --dport 80 accept that opens both containers listening on 80", () => {
    expect(trigger).toHaveLength(1);
    expect(trigger[0]).toMatchObject({ id: "DW115", severity: "warning", location: { line: 29 } });
    expect(trigger[0]!.message).toContain("172.17.0.2:80, 172.17.0.3:80");
    expect(trigger[0]!.related.map((r) => r.line)).toEqual([41, 42]);
    const t = replay(trigger[0]!, dump);
    expect(t.decidedBy).toMatchObject({ chain: "DOCKER-USER", line: 29 });
  });

  it("is quiet when keyed on the published port", () => {
    expect(clean).toEqual([]);
  });
});
