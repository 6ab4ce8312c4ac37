import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump } from "../../../../test/lint/fixture.js";
import { dockerUserNotWired } from "./index.js";

describe("DW109 docker-user-not-wired", () => {
  it("reports DOCKER-USER rules that nothing jumps to", () => {
    const fs = findings(dockerUserNotWired, loadDump("lint/docker-user-not-wired/trigger.rules"));
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ id: "DW109", severity: "error" });
    expect(lines(fs[0]!)).toEqual([8, 13]);
    expect(fs[0]!.message).toContain("nothing in FORWARD jumps to it");
  });

  it("is quiet when FORWARD jumps to DOCKER-USER first", () => {
    expect(findings(dockerUserNotWired, loadDump("lint/docker-user-not-wired/clean.rules"))).toEqual([]);
  });

  it("reports a chain above the jump that accepts first, through a user chain", () => {
    const fs = findings(dockerUserNotWired, loadDump("lint/docker-user-not-wired/after-accept.rules"));
    expect(fs).toHaveLength(1);
    expect(lines(fs[0]!)).toEqual([10, 9, 7]);
  });

  it("ignores a logging chain above the jump, and Docker's lone RETURN", () => {
    const logOnly = dumpOf(
      "*filter\n:FORWARD DROP [0:0]\n:DOCKER-USER - [0:0]\n:log-fwd - [0:0]\n-A FORWARD -j log-fwd\n-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -i eth0 -j DROP\n-A log-fwd -j LOG\nCOMMIT\n",
    );
    expect(findings(dockerUserNotWired, logOnly)).toEqual([]);
    const dockerDefault = dumpOf("*filter\n:FORWARD DROP [0:0]\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -j RETURN\nCOMMIT\n");
    expect(findings(dockerUserNotWired, dockerDefault)).toEqual([]);
  });

  it("names the nftables backend when no other Docker chain is left", () => {
    const d = dumpOf("*filter\n:FORWARD DROP [0:0]\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -i eth0 -j DROP\nCOMMIT\n");
    expect(findings(dockerUserNotWired, d)[0]!.message).toContain("nftables backend");
  });
});
