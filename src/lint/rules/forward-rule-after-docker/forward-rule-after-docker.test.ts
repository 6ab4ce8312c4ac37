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

  it("leaves out jumps to ufw's empty chains, and still reports a real rule after them", () => {
    const ufw = findings(forwardRuleAfterDocker, loadDump("lint/forward-rule-after-docker/ufw-empty-chains.rules"));
    expect(ufw.map(lines)).toEqual([[35, 28, 36]]);
  });

  it("a goto to an empty chain is no no-op (from FORWARD it applies the policy): the jump after it, to a chain that only logs, is reported", () => {
    const text = loadDump("lint/forward-rule-after-docker/ufw-empty-chains.rules")
      .source.replace("-A FORWARD -j ufw-reject-forward", "-A FORWARD -g ufw-reject-forward")
      .replace("-A FORWARD -j ufw-track-forward", "-A FORWARD -j ufw-track-forward\n-A ufw-track-forward -j LOG");
    // line 33 (the goto) is taken by forwarded traffic that is not the containers'
    // (ufw's rate-limited LOG at line 43 lets it on), so it is not dead; nothing
    // gets past it to line 34, which would be taken if the goto were a no-op
    expect(findings(forwardRuleAfterDocker, dumpOf(text)).map((f) => f.location.line)).toEqual([34, 36]);
    const asJump = text.replace("-A FORWARD -g ufw-reject-forward", "-A FORWARD -j ufw-reject-forward");
    expect(findings(forwardRuleAfterDocker, dumpOf(asJump)).map((f) => f.location.line)).toEqual([36]);
  });
});
