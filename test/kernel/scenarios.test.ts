// Ground truth for the lab's scenario dumps, asserted by hand: what each
// fixtures/lab dump does to a few telling packets in the real kernel. This
// pins the fixtures to the story their comments tell, independently of the
// engine, and checks the topology derived from each dump.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLIENT, CLIENT_V4, CLIENT_V6, HOST, HOST_V4, HOST_V6, Lab, deriveScenario, describeLab, verifyInLab, type Expectation, type Probe, type Scenario, type Want } from "../helpers/lab.js";

const read = (f: string) => readFileSync(new URL(`../../fixtures/lab/${f}`, import.meta.url), "utf8");

function scenario(file: string): { sc: Scenario; text: string; family: "ipv4" | "ipv6"; ns: (addr: string) => string } {
  const text = read(file);
  const family = file.endsWith(".rules6") ? "ipv6" : "ipv4";
  const sc = deriveScenario(text, { name: file, family });
  const ns = (addr: string) => {
    const hit = [...sc.containers].find(([, a]) => a.includes(addr));
    if (!hit) throw new Error(`${file}: no container at ${addr} in the derived topology`);
    return hit[0];
  };
  return { sc, text, family, ns };
}

let n = 0;
const p = (from: string, proto: Probe["proto"], src: string, dst: string, dport: number): Probe => ({ id: `p${n++}`, from, proto, src, dst, dport });
const want = (probe: Probe, w: Want): Expectation => ({ probe, want: w });

async function check(lab: Lab, file: string, build: (s: ReturnType<typeof scenario>) => Expectation[]) {
  const s = scenario(file);
  const res = await verifyInLab(lab, {
    topology: s.sc.topology,
    loads: [{ kind: "iptables", family: s.family, text: s.text, label: file, noflush: false }],
    expect: build(s),
    listen: s.sc.listen,
  });
  expect(res.verdicts.filter((v) => !v.ok).map((v) => `${v.probe.proto} ${v.probe.src} -> ${v.probe.dst}:${v.probe.dport} wanted ${JSON.stringify(v.want)}, got ${v.got}\n  ${v.path.join("\n  ")}`)).toEqual([]);
  return res;
}

describeLab("scenario dumps in the kernel", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open();
  });
  afterAll(async () => lab?.close());

  it("kube-proxy: a NodePort reaches the pod from outside the INPUT allow-list; other ports stay closed", async () => {
    const res = await check(lab, "kube-nodeport.rules", ({ ns }) => [
      want(p(CLIENT, "tcp", CLIENT_V4, HOST_V4, 30080), { reach: ns("10.244.0.5") }),
      want(p(CLIENT, "tcp", CLIENT_V4, HOST_V4, 30081), "timeout"),
      want(p(CLIENT, "tcp", CLIENT_V4, "10.96.12.34", 80), { reach: ns("10.244.0.5") }),
      want(p(CLIENT, "tcp", "10.0.0.1", HOST_V4, 30081), "open"),
    ]);
    // DNAT happens in nat/KUBE-SEP (line 33), INPUT (line 53's DROP) never sees it
    expect(res.verdicts[0]!.path).toContain("nat/KUBE-SEP-POD5000000000:33 accept");
    expect(res.verdicts[0]!.path.some((s) => s.startsWith("filter/INPUT"))).toBe(false);
  });

  it("ufw-docker: private sources bypass every rule; public ones only get the routed-allow port", async () => {
    await check(lab, "ufw-docker.rules", ({ ns }) => [
      want(p(CLIENT, "tcp", CLIENT_V4, HOST_V4, 443), { reach: ns("172.17.0.2") }),
      want(p(CLIENT, "tcp", CLIENT_V4, HOST_V4, 3306), "timeout"),
      want(p(CLIENT, "tcp", "10.0.0.1", HOST_V4, 3306), { reach: ns("172.17.0.3") }),
      want(p(CLIENT, "tcp", CLIENT_V4, HOST_V4, 22), { reach: HOST }),
      want(p(CLIENT, "tcp", CLIENT_V4, HOST_V4, 25), "refused"),
    ]);
  });

  it("DOCKER-USER on conntrack's original tuple: the LB and the office get through, others do not", async () => {
    await check(lab, "docker-user-conntrack.rules", ({ ns }) => [
      want(p(CLIENT, "tcp", "172.16.0.10", HOST_V4, 443), { reach: ns("172.17.0.2") }),
      want(p(CLIENT, "tcp", CLIENT_V4, HOST_V4, 443), "timeout"),
      want(p(CLIENT, "tcp", "203.0.113.1", HOST_V4, 8080), { reach: ns("172.17.0.3") }),
      want(p(CLIENT, "tcp", "203.0.113.128", HOST_V4, 8080), "timeout"),
      want(p(CLIENT, "udp", CLIENT_V4, HOST_V4, 5353), "refused"),
      // the container's own connections are not caught by the original-port rules
      want(p(ns("172.17.0.3"), "tcp", "172.17.0.3", CLIENT_V4, 443), { reach: CLIENT }),
    ]);
  });

  it("Docker 27: ports on one address and on 127.0.0.1; INPUT DROP governs none of the published ones", async () => {
    await check(lab, "docker-27.rules", ({ ns }) => [
      want(p(CLIENT, "tcp", CLIENT_V4, HOST_V4, 80), { reach: ns("172.17.0.2") }),
      want(p(CLIENT, "tcp", CLIENT_V4, "192.0.2.10", 5432), { reach: ns("172.17.0.3") }),
      want(p(CLIENT, "tcp", CLIENT_V4, HOST_V4, 5432), "timeout"),
      // the host's own 127.0.0.1:6379 is not DNATed (nat OUTPUT skips 127/8): docker-proxy's job
      want(p(HOST, "tcp", "127.0.0.1", "127.0.0.1", 6379), { reach: HOST }),
      want(p(HOST, "tcp", HOST_V4, HOST_V4, 80), { reach: ns("172.17.0.2") }),
    ]);
  });

  it("Docker 20.10: user bridge ports published, bridges isolated from each other", async () => {
    await check(lab, "docker-20.10.rules", ({ ns }) => [
      want(p(CLIENT, "tcp", CLIENT_V4, HOST_V4, 8080), { reach: ns("172.18.0.2") }),
      want(p(CLIENT, "udp", CLIENT_V4, HOST_V4, 5353), { reach: ns("172.18.0.3") }),
      want(p(ns("172.17.0.2"), "tcp", "172.17.0.2", "172.18.0.2", 80), "timeout"),
      want(p(ns("172.18.0.2"), "tcp", "172.18.0.2", "172.18.0.3", 5353), { reach: ns("172.18.0.3") }),
    ]);
  });

  it("Docker 27 IPv6: the v6 published port reaches the container; ssh only from the allowed /48", async () => {
    await check(lab, "docker-27-v6.rules6", ({ ns }) => [
      want(p(CLIENT, "tcp", CLIENT_V6, HOST_V6, 8080), { reach: ns("fd00:1::2") }),
      want(p(CLIENT, "tcp", CLIENT_V6, HOST_V6, 22), "timeout"),
      want(p(CLIENT, "tcp", "2001:db8:200::1", HOST_V6, 22), { reach: HOST }),
      want(p(CLIENT, "icmp", CLIENT_V6, HOST_V6, 0), "open"),
    ]);
  });
});
