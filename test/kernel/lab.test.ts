// The kernel lab itself, on the classic Docker mistake (fixtures/lab/classic.rules:
// INPUT allows tcp/443 only from the load balancer, Docker's DNAT bypasses it).
// Probe results and kernel rule paths are asserted against what netfilter is
// known to do; then the fix-checking and ruleset-comparing helpers.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLIENT, CLIENT_V4, HOST, HOST_V4, Lab, compareLoads, describeLab, defaultTopology, verifyInLab, type Load, type Probe, type ProbeResult } from "../helpers/lab.js";

const fixture = (f: string) => readFileSync(new URL(`../../fixtures/lab/${f}`, import.meta.url), "utf8");
const CLASSIC = fixture("classic.rules");
const LB = "172.16.0.10";
const C1 = "172.17.0.2";
// the nat-table fix as an operator applies it: iptables-restore --noflush
const NAT_RETURN = "*nat\n-I PREROUTING 1 -p tcp -m tcp --dport 443 ! -s 172.16.0.0/26 -j RETURN\nCOMMIT\n";
// the same intent as an nft table of its own next to Docker's iptables-nft rules
const NFT_FIX = `table ip dockwall_fix {
  chain forward {
    type filter hook forward priority filter - 1; policy accept;
    ct status dnat meta l4proto tcp ct original proto-dst 443 ct original ip saddr != 172.16.0.0/26 drop
  }
}
`;

const classic: Load = { kind: "iptables", family: "ipv4", text: CLASSIC, label: "classic.rules", noflush: false };
const where = (r: ProbeResult) => (r.kernel?.steps ?? []).map((s) => `${s.table}/${s.chain}:${s.line ?? "?"} ${s.verdict}`);
const tcp = (id: string, src: string, dst: string, dport: number, from = CLIENT): Probe => ({ id, from, proto: "tcp", src, dst, dport });

describeLab("kernel lab", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open(defaultTopology());
  });
  afterAll(async () => lab?.close());

  it("reproduces the bug with real packets and records the kernel's rule path with dump lines", async () => {
    await lab.reset();
    await lab.loadIptables(CLASSIC, "ipv4", { label: "classic.rules" });
    const [pub, lb, ssh, other, egress, ping] = await lab.probe(
      [
        tcp("public", CLIENT_V4, HOST_V4, 443),
        tcp("lb", LB, HOST_V4, 443),
        tcp("ssh", CLIENT_V4, HOST_V4, 22),
        tcp("other", CLIENT_V4, HOST_V4, 8443),
        tcp("egress", C1, CLIENT_V4, 80, "c1"),
        { id: "ping", from: CLIENT, proto: "icmp", src: CLIENT_V4, dst: HOST_V4, dport: 0 },
      ],
      { trace: true },
    );
    // INPUT allows 443 only from the LB, yet the public client reaches the container
    expect(pub!.result).toBe("open");
    expect(pub!.answer).toMatchObject({ ns: "c1", peer: { addr: CLIENT_V4 }, local: { addr: C1, port: 443 } });
    expect(where(pub!)).toEqual([
      "nat/PREROUTING:11 jump DOCKER",
      "nat/DOCKER:16 accept",
      "filter/FORWARD:32 jump DOCKER-USER",
      "filter/DOCKER-USER:43 return",
      "filter/FORWARD:33 jump DOCKER-ISOLATION-STAGE-1",
      "filter/DOCKER-ISOLATION-STAGE-1:40 return",
      "filter/FORWARD:35 jump DOCKER",
      "filter/DOCKER:38 accept",
      "nat/POSTROUTING:9 accept",
    ]);
    expect(lb!.answer?.ns).toBe("c1");
    expect(ssh!.answer).toMatchObject({ ns: HOST, local: { addr: HOST_V4, port: 22 } });
    expect(where(ssh!)).toEqual(["nat/PREROUTING:11 jump DOCKER", "nat/PREROUTING:6 accept", "filter/INPUT:28 accept", "nat/INPUT:7 accept"]);
    // REJECT --reject-with tcp-reset: refused, and the trace shows the drop at line 31
    expect(other!.result).toBe("refused");
    expect(where(other!).at(-1)).toBe("filter/INPUT:31 drop");
    // the container's own connection goes out masqueraded to the host's address
    expect(egress!.answer).toMatchObject({ ns: CLIENT, peer: { addr: HOST_V4 }, local: { addr: CLIENT_V4, port: 80 } });
    expect(where(egress!).at(-1)).toBe("nat/POSTROUTING:13 accept");
    expect(ping!.result).toBe("open");
    expect(where(ping!)).toContain("filter/INPUT:30 accept");
  });

  it("verifyInLab: the nat RETURN patch blocks the public client, keeps the LB and container egress", async () => {
    const expectations = [
      { probe: tcp("public", CLIENT_V4, HOST_V4, 443), want: "refused" as const },
      { probe: tcp("lb", LB, HOST_V4, 443), want: { reach: "c1" } },
      { probe: tcp("egress", C1, CLIENT_V4, 80, "c1"), want: "open" as const },
    ];
    const patched = await verifyInLab(lab, { topology: defaultTopology(), loads: [classic, { kind: "iptables", family: "ipv4", text: NAT_RETURN, label: "fix", noflush: true }], expect: expectations });
    expect(patched.verdicts.map((v) => `${v.probe.id} ${v.ok} ${v.got}`)).toEqual([
      expect.stringMatching(/^public true refused/),
      expect.stringMatching(/^lb true open from c1/),
      expect.stringMatching(/^egress true open from client/),
    ]);
    // the patch's own line (1 of the patch) is where the public SYN leaves nat PREROUTING
    expect(patched.verdicts[0]!.path[0]).toBe("nat/PREROUTING:2 return");
    // and the unpatched ruleset fails the same check
    const bug = await verifyInLab(lab, { topology: defaultTopology(), loads: [classic], expect: expectations });
    expect(bug.ok).toBe(false);
    expect(bug.verdicts.filter((v) => !v.ok).map((v) => v.probe.id)).toEqual(["public"]);
  });

  it("loadNft: an nft table next to Docker's iptables-nft rules drops the public flow in the kernel", async () => {
    const res = await verifyInLab(lab, {
      topology: defaultTopology(),
      loads: [classic, { kind: "nft", text: NFT_FIX, label: "fix.nft" }],
      expect: [
        { probe: tcp("public", CLIENT_V4, HOST_V4, 443), want: "timeout" },
        { probe: tcp("lb", LB, HOST_V4, 443), want: { reach: "c1" } },
      ],
    });
    expect(res.verdicts.map((v) => `${v.probe.id} ${v.ok} ${v.got}`)).toEqual([expect.stringMatching(/^public true timeout/), expect.stringMatching(/^lb true open from c1/)]);
    expect(res.verdicts[0]!.path.at(-1)).toBe("dockwall_fix/forward:4 drop");
  });

  it("compareLoads: the unfixed and fixed dumps differ exactly on non-LB traffic to 443", async () => {
    const probes = [
      tcp("public", CLIENT_V4, HOST_V4, 443),
      tcp("lb", LB, HOST_V4, 443),
      tcp("ssh", CLIENT_V4, HOST_V4, 22),
      tcp("lb-edge", "172.16.0.63", HOST_V4, 443),
      tcp("lb-out", "172.16.0.64", HOST_V4, 443),
    ];
    const topo = { ...defaultTopology(), clientAddrs: ["172.16.0.10/32", "172.16.0.63/32", "172.16.0.64/32"] };
    const fixed: Load = { ...classic, text: fixture("classic-nat-return-fix.rules"), label: "fixed" };
    const diff = await compareLoads(lab, topo, [classic], [fixed], probes);
    expect(diff.map((d) => `${d.probe.id}: ${d.a.split(" as ")[0]} | ${d.b}`)).toEqual([
      "public: open from c1 | refused (ECONNREFUSED)",
      "lb-out: open from c1 | refused (ECONNREFUSED)",
    ]);
  });
});
