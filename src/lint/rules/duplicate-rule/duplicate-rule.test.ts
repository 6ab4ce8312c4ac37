import { describe, expect, it } from "vitest";
import { dumpOf, findings, loadDump } from "../../../../test/lint/fixture.js";
import { duplicateRule } from "./index.js";

describe("DW202 duplicate-rule", () => {
  it("reports the second copy and points at the first", () => {
    const fs = findings(duplicateRule, loadDump("lint/duplicate-rule/trigger.rules"));
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ id: "DW202", severity: "warning", location: { line: 10 }, related: [{ line: 8, role: "first copy" }] });
  });

  it("does not report rules that differ in one address, or the same rule in another chain", () => {
    expect(findings(duplicateRule, loadDump("lint/duplicate-rule/clean.rules"))).toEqual([]);
  });

  it("sees through spelling: -p tcp --dport 22 and -p tcp -m tcp --destination-port ssh are one rule", () => {
    const d = dumpOf("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --destination-port ssh -j ACCEPT\nCOMMIT\n");
    expect(findings(duplicateRule, d).map((f) => f.location.line)).toEqual([4]);
  });

  it("leaves duplicated Docker rules to DW108 but checks DOCKER-USER", () => {
    const d = dumpOf(
      "*filter\n:DOCKER - [0:0]\n:DOCKER-USER - [0:0]\n-A DOCKER -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j ACCEPT\n-A DOCKER -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j ACCEPT\n-A DOCKER-USER -i eth0 -j DROP\n-A DOCKER-USER -i eth0 -j DROP\nCOMMIT\n",
    );
    expect(findings(duplicateRule, d).map((f) => f.chain)).toEqual(["DOCKER-USER"]);
  });
});
