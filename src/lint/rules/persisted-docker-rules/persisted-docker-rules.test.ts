import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { persistedDockerRules } from "./index.js";

describe("DW108 persisted-docker-rules", () => {
  const { trigger, clean } = triggerAndClean(persistedDockerRules);

  it("reports the duplicated Docker DNAT and the DNAT to a container nothing accepts", () => {
    expect(trigger.map((f) => [f.location.line, f.message.slice(0, 30)])).toEqual([
      [38, expect.stringContaining("Docker's rule from line 37")],
      [39, expect.stringContaining("this DNAT sends traffic to 172")],
    ]);
  });

  it("is quiet for Docker's own rules, and a DOCKER-USER drop is a restriction, not debris", () => {
    expect(clean).toEqual([]);
  });
});
