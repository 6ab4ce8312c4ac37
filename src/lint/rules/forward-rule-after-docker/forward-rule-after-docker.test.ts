import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { forwardRuleAfterDocker } from "./index.js";

describe("DW105 forward-rule-after-docker", () => {
  const { trigger, clean } = triggerAndClean(forwardRuleAfterDocker);

  it("reports a FORWARD rule for container traffic appended after Docker's jump", () => {
    expect(trigger).toHaveLength(1);
    expect(trigger[0]).toMatchObject({ id: "DW105", severity: "warning", location: { line: 19 } });
    expect(trigger[0]!.related[0]).toMatchObject({ role: "Docker's jump that decides first", line: 18 });
  });

  it("is quiet for the rule in DOCKER-USER, and for non-container FORWARD rules after Docker's", () => {
    expect(clean).toEqual([]);
  });
});
