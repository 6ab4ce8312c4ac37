import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { sensitivePortExposed } from "./index.js";

describe("DW112 sensitive-port-exposed", () => {
  const { trigger, clean, dump } = triggerAndClean(sensitivePortExposed);

  it("reports Redis published to everyone", () => {
    expect(trigger).toHaveLength(1);
    expect(trigger[0]).toMatchObject({ id: "DW112", severity: "warning", location: { line: 36 } });
    expect(trigger[0]!.message).toContain("6379 (Redis)");
    expect(replay(trigger[0]!, dump).outcome).toBe("forwarded");
  });

  it("is quiet for a private bind address, and when some sources are kept out", () => {
    expect(clean).toEqual([]);
    const text = dump.source.replace("-A FORWARD -j DOCKER-USER\n", "-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -s 192.0.2.66/32 -j DROP\n");
    expect(findings(sensitivePortExposed, dumpOf(text))).toEqual([]);
  });

  it("reads the port ranges of the rules before the DNAT only as far as they go (a range or list that holds 6379 is not skipped)", () => {
    const viaRange = (test: string) =>
      dump.source.replace("-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n", `-A PREROUTING -p tcp ${test} -m addrtype --dst-type LOCAL -j DOCKER\n`);
    for (const test of ["-m tcp --dport 6000:7000", "-m multiport --dports 22,6379", "-m tcp ! --dport 22"]) {
      expect(findings(sensitivePortExposed, dumpOf(viaRange(test))).map((f) => f.location.line), test).toEqual([36]);
    }
    expect(findings(sensitivePortExposed, dumpOf(viaRange("-m multiport --dports 22,80")))).toEqual([]);
  });
});
