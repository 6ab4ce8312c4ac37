// The kernel lab itself, on the classic Docker mistake: probe results and kernel
// rule paths are asserted against what netfilter is known to do.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLIENT, CLIENT_V4, HOST, HOST_V4, Lab, describeLab, defaultTopology, type ProbeResult } from "../helpers/lab.js";

const BUG = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 443 -j DNAT --to-destination 172.17.0.2:443
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-USER - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp --dport 443 -s 172.16.0.0/26 -j ACCEPT
-A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset
-A INPUT -j DROP
-A FORWARD -j DOCKER-USER
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 443 -j ACCEPT
-A DOCKER-USER -j RETURN
COMMIT
`;

const where = (r: ProbeResult) => (r.kernel?.steps ?? []).map((s) => `${s.table}/${s.chain}:${s.line ?? "?"} ${s.verdict}`);

describeLab("kernel lab on the classic DNAT-bypasses-INPUT ruleset", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open(defaultTopology());
    await lab.reset();
    await lab.loadIptables(BUG, "ipv4", { label: "bug" });
  });
  afterAll(async () => lab?.close());

  it("reproduces the bug with real packets and records the kernel path", async () => {
    const [pub, lb, ssh, egress, icmp] = await lab.probe(
      [
        { id: "public", from: CLIENT, proto: "tcp", src: CLIENT_V4, dst: HOST_V4, dport: 443 },
        { id: "lb", from: CLIENT, proto: "tcp", src: "172.16.0.10", dst: HOST_V4, dport: 443 },
        { id: "ssh", from: CLIENT, proto: "tcp", src: CLIENT_V4, dst: HOST_V4, dport: 22 },
        { id: "egress", from: "c1", proto: "tcp", src: "172.17.0.2", dst: CLIENT_V4, dport: 80 },
        { id: "ping", from: CLIENT, proto: "icmp", src: CLIENT_V4, dst: HOST_V4, dport: 0 },
      ],
      { trace: true },
    );
    console.log([pub, lb, ssh, egress, icmp].map((r) => `${r!.probe.id} ${r!.result} ${JSON.stringify(r!.answer)} ${where(r!).join(" > ")}`).join("\n"));
    expect(pub!.result).toBe("open");
    expect(pub!.answer).toMatchObject({ ns: "c1", peer: { addr: CLIENT_V4 }, local: { addr: "172.17.0.2", port: 443 } });
    expect(where(pub!)).toEqual([
      "nat/PREROUTING:7 jump DOCKER",
      "nat/DOCKER:11 accept",
      "filter/FORWARD:24 jump DOCKER-USER",
      "filter/DOCKER-USER:29 return",
      "filter/FORWARD:26 jump DOCKER",
      "filter/DOCKER:28 accept",
      "nat/POSTROUTING:5 accept",
    ]);
  });
});
