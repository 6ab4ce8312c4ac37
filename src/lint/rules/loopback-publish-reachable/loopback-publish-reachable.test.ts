import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { loopbackPublishReachable } from "./index.js";

describe("DW106 loopback-publish-reachable", () => {
  const { trigger, clean, dump } = triggerAndClean(loopbackPublishReachable);

  it("reports a 127.0.0.1 publish without the raw drop, with a LAN witness to 127.0.0.1", () => {
    expect(trigger).toHaveLength(1);
    expect(trigger[0]).toMatchObject({ id: "DW106", severity: "error", location: { line: 31 } });
    const t = replay(trigger[0]!, dump);
    expect(t.outcome).toBe("forwarded");
    expect(t.packet.dst.startsWith("127.")).toBe(true);
    expect(t.packet.in).not.toBe("lo");
  });

  it("is quiet with Docker 28's raw drop, and for ports published on every address", () => {
    expect(clean).toEqual([]);
    expect(findings(loopbackPublishReachable, loadDump("lint/input-bypassed-by-dnat/trigger.rules"))).toEqual([]);
  });
});
