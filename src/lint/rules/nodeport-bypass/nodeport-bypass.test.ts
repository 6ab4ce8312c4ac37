import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { nodeportBypass } from "./index.js";
import { inputBypassedByDnat } from "../input-bypassed-by-dnat/index.js";

describe("DW113 nodeport-bypass", () => {
  const { trigger, clean, dump } = triggerAndClean(nodeportBypass);

  it("reports the NodePort that INPUT meant to block, through kube-proxy's DNAT", () => {
    expect(trigger.length).toBeGreaterThan(0);
    expect(trigger[0]).toMatchObject({ id: "DW113", severity: "error", location: { line: 5 } });
    expect(trigger[0]!.message).toContain("10.244.0.5:8080");
    expect(trigger[0]!.related[0]).toMatchObject({ role: "kube-proxy DNAT rule", line: 38 });
    const t = replay(trigger[0]!, dump);
    expect(t.outcome).toBe("forwarded");
  });

  it("leaves kube-proxy's DNAT to DW113, not DW101", () => {
    expect(findings(inputBypassedByDnat, dump)).toEqual([]);
  });

  it("is quiet when raw PREROUTING drops the NodePort range for everyone INPUT would drop", () => {
    expect(clean).toEqual([]);
  });
});
