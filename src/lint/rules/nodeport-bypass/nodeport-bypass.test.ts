import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { nodeportBypass } from "./index.js";
import { inputBypassedByDnat } from "../input-bypassed-by-dnat/index.js";

describe("DW113 nodeport-bypass", () => {
  const { trigger, clean, dump } = triggerAndClean(nodeportBypass);

  it("reports the NodePort that INPUT meant to block, through kube-proxy's DNAT", () => {
    expect(trigger.length).toBeGreaterThan(0);
    expect(trigger[0]).toMatchObject({ id: "DW113", severity: "error", location: { line: 5 } });
    expect(trigger[0]!.message).toContain("10.244.0.5:8080");
    expect(trigger[0]!.related[0]).toMatchObject({ role: "kube-proxy DNAT rule", line: 38 });
    const t = replay(trigger[0]!, dump);
    expect(t.outcome).toBe("forwarded");
  });

  it("leaves kube-proxy's DNAT to DW113, not DW101", () => {
    expect(findings(inputBypassedByDnat, dump)).toEqual([]);
  });

  it("is quiet when raw PREROUTING drops the NodePort range for everyone INPUT would drop", () => {
    expect(clean).toEqual([]);
  });

  // kube+Docker: every packet crosses KUBE-SERVICES before Docker's DNAT, and
  // kubelet's KUBE-FIREWALL 127/8 drop sits in INPUT; neither is the user's
  const kubeFirewall = loadDump("lint/nodeport-bypass/kube-firewall.rules");

  it("does not take KUBE-FIREWALL's localnet drop for a restriction the user wrote", () => {
    expect(findings(nodeportBypass, kubeFirewall)).toEqual([]);
    expect(findings(inputBypassedByDnat, kubeFirewall)).toEqual([]);
  });

  it("names Docker's DNAT as DW101 and kube-proxy's as DW113 on a node running both", () => {
    const drop = dumpOf(kubeFirewall.source.replace(":INPUT ACCEPT", ":INPUT DROP"), "kube-firewall-drop.rules");
    const kube = findings(nodeportBypass, drop);
    expect(kube.map(lines)).toEqual([[12, 69, 39]]);
    expect(kube[0]!.message).toContain("10.244.0.5:8080");
    expect(replay(kube[0]!, drop).outcome).toBe("forwarded");
    const docker = findings(inputBypassedByDnat, drop);
    expect(docker.map(lines)).toEqual([[12, 62, 30]]);
    expect(docker[0]!.message).toContain("172.17.0.2:80");
  });
});
