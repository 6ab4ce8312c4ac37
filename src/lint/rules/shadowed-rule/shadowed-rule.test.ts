import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { shadowedRule } from "./index.js";

describe("DW201 shadowed-rule", () => {
  const { trigger, clean } = triggerAndClean(shadowedRule);

  it("reports both rules under the accept-all-SSH rule, naming it", () => {
    expect(trigger.map((f) => f.location.line)).toEqual([20, 21]);
    // the accept-all-SSH rule, and the loopback and ESTABLISHED accepts for the rest
    expect(trigger[0]!.related.map((r) => r.line)).toContain(19);
    expect(trigger[0]!.related.every((r) => r.role === "decides first" && r.line < 20)).toBe(true);
  });

  it("is quiet when specific rules come first", () => {
    expect(clean).toEqual([]);
  });

  it("knows a port range covers a port, and a /16 covers a /24", () => {
    const d = dumpOf("*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.1.0.0/16 -p tcp -m tcp --dport 1000:2000 -j ACCEPT\n-A INPUT -s 10.1.2.0/24 -p tcp -m tcp --dport 1500 -j DROP\n-A INPUT -s 10.2.2.0/24 -p tcp -m tcp --dport 1500 -j DROP\nCOMMIT\n");
    expect(findings(shadowedRule, d).map((f) => f.location.line)).toEqual([4]);
  });

  it("routes each packet to decide -o: a drop below an accept of everything leaving by the default interface is shadowed, one below a RETURN of what does not leave by docker0 is not", () => {
    const found = findings(shadowedRule, loadDump("lint/shadowed-rule/out-iface.rules"));
    // line 22 (to 203.0.113.0/24, routed out of eth0) is decided by line 21; line 24 (to docker0's subnet) gets past line 23
    expect(found.map((f) => f.location.line)).toEqual([22]);
    expect(found[0]!.related.map((r) => r.line)).toEqual([21]);
    expect(found[0]!.witness?.dst).toMatch(/^203\.0\.113\./);
  });

  it("says nothing when an unevaluable match stands in the way", () => {
    const d = dumpOf("*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -m recent --name ssh --rcheck -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j DROP\nCOMMIT\n");
    expect(findings(shadowedRule, d)).toEqual([]);
  });
});
