import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { ipv6Unfiltered } from "./index.js";

describe("DW111 ipv6-unfiltered", () => {
  const v4 = loadDump("lint/ipv6-unfiltered/host.v4.rules");

  it("reports a port IPv4 restricts and IPv6 leaves open, with an IPv6 witness", () => {
    const v6 = loadDump("lint/ipv6-unfiltered/trigger.v6.rules", "ipv6");
    const fs = findings(ipv6Unfiltered, v4, v6);
    expect(fs.map((f) => f.message.match(/tcp port \d+/)![0])).toEqual(["tcp port 22"]);
    expect(fs[0]).toMatchObject({ id: "DW111", location: { line: 3 }, related: [{ file: "fixtures/lint/ipv6-unfiltered/trigger.v6.rules", line: 3 }] });
    expect(fs[0]!.witness).toMatchObject({ family: "ipv6", dport: 22 });
    expect(replay(fs[0]!, v6).outcome).toBe("local");
  });

  it("is quiet when ip6tables mirrors the restriction, and without a pair", () => {
    expect(findings(ipv6Unfiltered, v4, loadDump("lint/ipv6-unfiltered/clean.v6.rules", "ipv6"))).toEqual([]);
    expect(findings(ipv6Unfiltered, v4)).toEqual([]);
  });
});
