import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { ctorigWithoutCtdir } from "./index.js";

describe("DW103 ctorig-without-ctdir", () => {
  const { trigger, clean } = triggerAndClean(ctorigWithoutCtdir);

  it("reports --ctorigdstport without --ctdir ORIGINAL when established traffic reaches it", () => {
    expect(trigger).toHaveLength(1);
    expect(trigger[0]).toMatchObject({ id: "DW103", severity: "warning", location: { line: 26 } });
    expect(trigger[0]!.message).toContain("port 8080");
  });

  it("is quiet when an ESTABLISHED return comes first, in any spelling", () => {
    expect(clean).toEqual([]);
    const d = loadDump("lint/ctorig-without-ctdir/clean.rules");
    const text = d.source.replace("-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN", "-m conntrack --ctstate ESTABLISHED -j ACCEPT");
    expect(findings(ctorigWithoutCtdir, dumpOf(text))).toEqual([]);
  });

  it("is quiet with --ctdir ORIGINAL", () => {
    const d = loadDump("lint/ctorig-without-ctdir/trigger.rules");
    const text = d.source.replace("--ctorigdstport 8080 -j DROP", "--ctorigdstport 8080 --ctdir ORIGINAL -j DROP");
    expect(findings(ctorigWithoutCtdir, dumpOf(text))).toEqual([]);
  });
});
