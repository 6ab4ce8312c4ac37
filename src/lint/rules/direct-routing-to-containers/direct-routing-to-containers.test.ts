import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { directRoutingToContainers } from "./index.js";

describe("DW107 direct-routing-to-containers", () => {
  const { trigger, clean, dump } = triggerAndClean(directRoutingToContainers);

  it("reports unpublished container ports reachable by routing, at the FORWARD policy that accepts", () => {
    expect(trigger).toHaveLength(1);
    expect(trigger[0]).toMatchObject({ id: "DW107", severity: "warning", location: { line: 5 } });
    const t = replay(trigger[0]!, dump);
    expect(t.outcome).toBe("forwarded");
    expect(t.nat).toEqual([]);
    expect(t.final.iface).toBe("docker0");
    // not the published container port
    expect(t.packet.dst === "172.17.0.2" && t.packet.dport === 80).toBe(false);
  });

  it("is quiet with Docker 28's raw drops", () => {
    expect(clean).toEqual([]);
  });

  it("a flannel pod network routed to on purpose is not reported; Docker's bridge on the same node is", () => {
    const d = loadDump("lint/direct-routing-to-containers/flannel.rules");
    const f = findings(directRoutingToContainers, d);
    expect(f.map((x) => x.message.match(/containers on (\S+)/)?.[1])).toEqual(["docker0"]);
    const t = replay(f[0]!, d);
    expect(t).toMatchObject({ outcome: "forwarded", nat: [] });
    expect(t.final.iface).toBe("docker0");
    // the pod network really is forwarded straight in: quiet by decision, not because the engine missed it
    const w = f[0]!.witness!;
    expect(w.traceCommand).toMatch(/--dst 172\.17\./);
    const trace = replay({ ...f[0]!, witness: { ...w, traceCommand: w.traceCommand.replace(/--dst \S+/, "--dst 10.244.0.7") } }, d);
    expect(trace).toMatchObject({ outcome: "forwarded", nat: [] });
    expect(trace.final.iface).toBe("cni0");
  });

  it("Docker 28 on a flannel node: nothing (the pod network is not Docker's)", () => {
    expect(findings(directRoutingToContainers, loadDump("lint/docker-user-host-port/flannel.rules"))).toEqual([]);
  });
});
