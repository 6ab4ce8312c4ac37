import { describe, expect, it } from "vitest";
import { dumpOf, findings, lines, loadDump, triggerAndClean } from "../../../../test/lint/fixture.js";
import { replay } from "../../../../test/lint/witness.js";
import { inputBypassedByDnat } from "./index.js";

describe("DW101 input-bypassed-by-dnat", () => {
  const { trigger, clean, dump } = triggerAndClean(inputBypassedByDnat);

  it("names the INPUT policy, the DNAT and the FORWARD accept, and who gets through", () => {
    expect(trigger).toHaveLength(1);
    const f = trigger[0]!;
    expect(f).toMatchObject({ id: "DW101", severity: "error" });
    expect(lines(f)).toEqual([5, 37, 19]);
    expect(f.related.map((r) => r.role)).toEqual(["DNAT rule", "FORWARD rule that accepts"]);
    expect(f.message).toContain("172.17.0.2:80");
    expect(f.message).toContain("every source except 127.0.0.0/8, 203.0.113.0/24");
  });

  it("carries a witness that the tracer forwards to the container", () => {
    const t = replay(trigger[0]!, dump);
    expect(t.outcome).toBe("forwarded");
    expect(t.nat[0]).toMatchObject({ kind: "DNAT", line: 37, to: "172.17.0.2:80" });
    expect(t.packet.src.startsWith("203.0.113.")).toBe(false);
  });

  it("is quiet once DOCKER-USER applies the same allow-list", () => {
    expect(clean).toEqual([]);
  });

  it("holds whatever the chains are called: a ufw-style INPUT chain and a renamed Docker chain", () => {
    const d = dumpOf(`*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:my-user-input - [0:0]
:containers - [0:0]
-A INPUT -j my-user-input
-A my-user-input -p tcp -m tcp --dport 9000:9100 -j REJECT
-A FORWARD -o br0 -j containers
-A containers -d 10.9.0.2/32 -p tcp -m tcp --dport 80 -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:pub - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j pub
-A POSTROUTING -s 10.9.0.0/24 ! -o br0 -j MASQUERADE
-A pub ! -i br0 -p tcp -m tcp --dport 9042 -j DNAT --to-destination 10.9.0.2:80
COMMIT
`);
    const fs = findings(inputBypassedByDnat, d);
    expect(fs.map((f) => lines(f))).toEqual([[8, 20, 10]]);
  });
});
