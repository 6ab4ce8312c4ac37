import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { dockerUserHostPort } from "./index.js";

describe("DW102 docker-user-host-port", () => {
  const { trigger, clean, dump } = triggerAndClean(dockerUserHostPort);

  it("reports a DOCKER-USER drop on the host port, which DNAT already rewrote to the container's", () => {
    expect(trigger).toHaveLength(1);
    expect(trigger[0]).toMatchObject({ id: "DW102", severity: "error", location: { line: 26 } });
    expect(trigger[0]!.message).toContain("172.17.0.2:80");
    // the packet the rule was written for is not dropped by it
    const t = replay(trigger[0]!, dump);
    expect(t.path.some((s) => s.line === 26)).toBe(false);
    expect(t.packet.dport).toBe(8080);
  });

  it("is quiet for the same intent on --ctorigdstport", () => {
    expect(clean).toEqual([]);
  });

  it("is quiet for flannel's pod-network accept, whose range only happens to hold cni0's gateway", () => {
    const flannel = loadDump("lint/docker-user-host-port/flannel.rules");
    expect(findings(dockerUserHostPort, flannel)).toEqual([]);
    // the same gateway named on its own is a host address, and is reported
    const text = flannel.source.replace("-A FORWARD -d 10.244.0.0/16 -j ACCEPT", "-A FORWARD -d 10.244.0.1/32 -j ACCEPT");
    expect(findings(dockerUserHostPort, dumpOf(text)).map((f) => f.location.line)).toEqual([22]);
  });

  it("is quiet for ufw-docker's DOCKER-USER rules on the private ranges (172.16.0.0/12 holds docker0's gateway)", () => {
    expect(findings(dockerUserHostPort, loadDump("lab/ufw-docker.rules"))).toEqual([]);
  });

  it("reports -d with the host's address too", () => {
    const d = loadDump("lint/docker-user-host-port/trigger.rules");
    const text = d.source.replace("-p tcp -m tcp --dport 8080 -j DROP", "-d 172.17.0.1/32 -p tcp -m tcp --dport 8080 -j DROP");
    expect(findings(dockerUserHostPort, dumpOf(text)).map((f) => f.message)).toEqual([expect.stringContaining("the address 172.17.0.1/32")]);
  });
});
