// Reply-direction packets against the kernel: a connection only completes
// when its replies are accepted, so for rulesets whose FORWARD lets replies
// through (or not) by --ctdir REPLY, --ctstate SNAT/DNAT and --ctorig*, the
// engine's trace of the reply (--state reply with the connection's original
// tuple) must say forwarded exactly when the kernel's connect succeeds.
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { inferHost, trace } from "../../src/engine/api.js";
import { CLIENT, CLIENT_V4, HOST_V4, Lab, defaultTopology, describeLab, loadAll, type Probe } from "../helpers/lab.js";

const NAT = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d ${HOST_V4}/32 -p tcp -m tcp --dport 8443 -j DNAT --to-destination 172.17.0.2:443
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
COMMIT
`;
const filter = (rules: string[]) => `${NAT}*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
${rules.map((r) => `-A FORWARD ${r}`).join("\n")}
COMMIT
`;

/** Outbound from the container (masqueraded): the reply must come back in through FORWARD. */
const outbound = (reply: string) => filter(["-i docker0 -o eth0 -m conntrack --ctdir ORIGINAL -j ACCEPT", `-o docker0 ${reply} -j ACCEPT`]);
/** Inbound to the published port (DNATed): the container's reply must leave through FORWARD. */
const inbound = (reply: string) => filter(["-o docker0 -m conntrack --ctdir ORIGINAL --ctstate DNAT -j ACCEPT", `-i docker0 ${reply} -j ACCEPT`]);

/** raw PREROUTING sees the reply before conntrack undoes the NAT: the host's address, not the container's. */
const withRaw = (rule: string, text: string) => `*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING ${rule}
COMMIT
${text}`;

const CASES: { name: string; text: string; probe: Omit<Probe, "id"> }[] = [
  { name: "masq: raw drops the container's address from outside (Docker 28), the reply is not", text: withRaw("-d 172.17.0.2/32 ! -i docker0 -j DROP", outbound("-m conntrack --ctdir REPLY")), probe: { from: "c1", proto: "tcp", src: "172.17.0.2", dst: CLIENT_V4, dport: 80 } },
  { name: "masq: raw drops replies to the host's address", text: withRaw(`-d ${HOST_V4}/32 -p tcp -m tcp --sport 80 -j DROP`, outbound("-m conntrack --ctdir REPLY")), probe: { from: "c1", proto: "tcp", src: "172.17.0.2", dst: CLIENT_V4, dport: 80 } },
  { name: "masq: ctdir REPLY + ctstate SNAT + ctorigsrc", text: outbound("-m conntrack --ctdir REPLY --ctstate SNAT --ctorigsrc 172.17.0.0/16"), probe: { from: "c1", proto: "tcp", src: "172.17.0.2", dst: CLIENT_V4, dport: 80 } },
  { name: "masq: ctdir ORIGINAL only", text: outbound("-m conntrack --ctdir ORIGINAL"), probe: { from: "c1", proto: "tcp", src: "172.17.0.2", dst: CLIENT_V4, dport: 80 } },
  { name: "masq: ctstate DNAT (it was SNAT)", text: outbound("-m conntrack --ctdir REPLY --ctstate DNAT"), probe: { from: "c1", proto: "tcp", src: "172.17.0.2", dst: CLIENT_V4, dport: 80 } },
  { name: "masq: ctreplsrc is the client", text: outbound(`-m conntrack --ctreplsrc ${CLIENT_V4} --ctrepldst ${HOST_V4}`), probe: { from: "c1", proto: "tcp", src: "172.17.0.2", dst: CLIENT_V4, dport: 80 } },
  { name: "dnat: ctorigdst/port of the published port", text: inbound(`-m conntrack --ctdir REPLY --ctstate DNAT --ctorigdst ${HOST_V4} --ctorigdstport 8443`), probe: { from: CLIENT, proto: "tcp", src: CLIENT_V4, dst: HOST_V4, dport: 8443 } },
  { name: "dnat: another ctorigdstport", text: inbound(`-m conntrack --ctdir REPLY --ctorigdstport 8444`), probe: { from: CLIENT, proto: "tcp", src: CLIENT_V4, dst: HOST_V4, dport: 8443 } },
  { name: "dnat: reply src seen in FORWARD is the container's", text: inbound("-s 172.17.0.2 -p tcp -m tcp --sport 443 -m conntrack --ctstate ESTABLISHED"), probe: { from: CLIENT, proto: "tcp", src: CLIENT_V4, dst: HOST_V4, dport: 8443 } },
];

describeLab("reply-direction packets: the engine's trace of the reply agrees with whether the kernel's connection completes", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
    await lab.setTopology(defaultTopology());
  });
  afterAll(async () => lab?.close());

  it("every case", async () => {
    const host = { ifaces: [`eth0=${HOST_V4}/24`, "docker0=172.17.0.1/16"], defaultIface: "eth0" };
    const rows: string[] = [];
    const seen = new Set<boolean>();
    for (const c of CASES) {
      await loadAll(lab, [{ kind: "iptables", family: "ipv4", text: c.text, label: c.name, noflush: false }]);
      const [r] = await lab.probe([{ id: c.name, ...c.probe }], { listen: { tcp: [80, 443], udp: [] } });
      const kernelOk = r!.result === "open";
      const d = parse(c.text, { file: c.name });
      const h = inferHost(d, host);
      const p = r!.probe;
      const fromC1 = p.from === "c1";
      // the original direction's first packet, and its reply as it arrives at the host
      const first = trace(d, { src: p.src, dst: p.dst, sport: p.sport, dport: p.dport, in: fromC1 ? "docker0" : "eth0" }, h);
      const natSrc = fromC1 ? HOST_V4 : p.src;
      const natDst = fromC1 ? p.dst : "172.17.0.2";
      const natDport = fromC1 ? p.dport : 443;
      const reply = trace(d, { state: "reply", src: natDst, sport: natDport, dst: natSrc, dport: p.sport, in: fromC1 ? "eth0" : "docker0", orig: { src: p.src, dst: p.dst, sport: p.sport, dport: p.dport } }, h);
      const engineOk = first.outcome === "forwarded" && reply.outcome === "forwarded";
      if (reply.outcome === "forwarded") expect(reply.final, c.name).toMatchObject({ src: p.dst, dst: p.src, sport: p.dport, dport: p.sport });
      rows.push(`${c.name}: kernel ${kernelOk ? "completes" : r!.result}, engine first ${first.outcome}, reply ${reply.outcome}`);
      expect(engineOk, rows.at(-1)).toBe(kernelOk);
      seen.add(kernelOk);
    }
    console.log(rows.join("\n"));
    // the cases tell both apart
    expect([...seen].sort()).toEqual([false, true]);
  });
});
