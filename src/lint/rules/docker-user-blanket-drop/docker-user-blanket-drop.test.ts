import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { dockerUserBlanketDrop } from "./index.js";

describe("DW104 docker-user-blanket-drop", () => {
  const { trigger, clean, dump } = triggerAndClean(dockerUserBlanketDrop);

  it("reports a drop that also kills container egress and replies, with a witness the rule drops", () => {
    expect(trigger).toHaveLength(1);
    expect(trigger[0]).toMatchObject({ id: "DW104", severity: "warning", location: { line: 26 } });
    expect(trigger[0]!.message).toContain("connections the containers open themselves and the replies to them");
    const t = replay(trigger[0]!, dump);
    expect(t.outcome).toBe("dropped");
    expect(t.decidedBy).toMatchObject({ chain: "DOCKER-USER", line: 26 });
    expect(t.packet.in).toBe("docker0");
  });

  it("is quiet once scoped to eth0 with an ESTABLISHED return first", () => {
    expect(clean).toEqual([]);
  });

  it("still reports a scoped drop that kills the replies", () => {
    const text = loadDump("lint/docker-user-blanket-drop/clean.rules").source.replace("-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n", "");
    const fs = findings(dockerUserBlanketDrop, dumpOf(text));
    expect(fs.map((f) => f.message)).toEqual([expect.stringContaining("hits the replies to them")]);
  });
});
