// The kernel proof of `dockwall fix`: each scenario's dump is loaded into the
// lab's real netfilter as it is (the bug is checked to be there), then with each
// strategy's output (the patched dump for nat, docker-user and raw; the dump
// plus the nft table for nft). Blocked sources must not reach the container
// (they time out), allowed ones must reach it, and the container's own
// outbound connections must still get their replies. Every printed ruleset
// must also pass `iptables-restore --test` / `nft -c -f` in a fresh namespace.
// One lab for the whole file: scenarios are grouped by topology, and only the
// ruleset is reloaded between cases.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runInNetns } from "../helpers/kernel.js";
import { CLIENT, CLIENT_V4, HOST, HOST_V4, Lab, describeLab, type Probe, type ProbeResult, type Topology } from "../helpers/lab.js";
import { runFix } from "../../src/cli/commands/fix.js";
import type { Strategy } from "../../src/fix/index.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** A probe and the namespace that must answer it. */
type Reach = Probe & { to: string };

interface Scenario {
  name: string;
  file: string;
  strategies: Strategy[];
  rule?: string;
  topology: Topology;
  /** must not reach anyone after the fix */
  blocked: Probe[];
  /** must reach `to`, before and after */
  allowed: Reach[];
  /** the container's outbound connections: must get their replies after the fix */
  egress: Probe[];
  /**
   * How the bug shows before the fix: the blocked probes get through (the
   * firewall is bypassed), or the blocked ones are already blocked but the
   * container's own connections lose their replies (an over-broad drop).
   */
  bug: "bypass" | "egress";
  /** the drop also cut the allowed sources' connections (their replies) before the fix */
  allowedBrokenBefore?: boolean;
  /** DNAT target ports the containers must answer on */
  listen?: number[];
  /** where the blocked probes get to before the fix (default c1; several when kube-proxy load-balances) */
  targets?: string[];
}

const OFFICE = "203.0.113.7";
const LB = "172.16.0.10";
const PARTNER = "192.0.2.7";
const c1 = "c1";
const clientAddrs = [`${LB}/26`, `${OFFICE}/24`, `${PARTNER}/24`];

const dockerTopology: Topology = {
  uplink: "eth0",
  clientAddrs,
  hostAddrs: [],
  bridges: [{ name: "docker0", addrs: ["172.17.0.1/16"] }],
  containers: [{ ns: c1, bridge: "docker0", addrs: ["172.17.0.2/16"] }],
};
const docker28Topology: Topology = {
  ...dockerTopology,
  bridges: [
    { name: "docker0", addrs: ["172.17.0.1/16"] },
    { name: "br-7e8f9a0b1c2d", addrs: ["172.18.0.1/16"] },
  ],
  containers: [{ ns: c1, bridge: "br-7e8f9a0b1c2d", addrs: ["172.18.0.2/16"] }],
};
const kubeTopology: Topology = {
  ...dockerTopology,
  bridges: [{ name: "cni0", addrs: ["10.244.0.1/24"] }],
  containers: [{ ns: c1, bridge: "cni0", addrs: ["10.244.0.5/24"] }],
};

/** The NodePort service of nodeport-endpoints.rules: kube-proxy picks either pod. */
const kube2Topology: Topology = {
  ...kubeTopology,
  containers: [...kubeTopology.containers, { ns: "c2", bridge: "cni0", addrs: ["10.244.0.6/24"] }],
};

const tcp = (id: string, from: string, src: string, dst: string, dport: number): Probe => ({ id, from, proto: "tcp", src, dst, dport });
const reach = (p: Probe, to: string): Reach => ({ ...p, to });
const egress = (src: string, ...ports: number[]) => ports.map((port) => tcp(`egress-${port}`, c1, src, CLIENT_V4, port));
const ssh = reach(tcp("ssh", CLIENT, CLIENT_V4, HOST_V4, 22), HOST);
/** From the Internet (the client's main address) to a port published on the host. */
const publicTo = (port: number) => tcp(`public-${port}`, CLIENT, CLIENT_V4, HOST_V4, port);
/** From an allowed source to a port published on the host: must reach the container. */
const allowedTo = (who: string, src: string, port: number) => reach(tcp(`${who}-${port}`, CLIENT, src, HOST_V4, port), c1);

const SCENARIOS: Scenario[] = [
  {
    name: "classic report (DW101)",
    file: "fixtures/fix/classic.rules",
    strategies: ["nat", "docker-user", "nft"],
    topology: dockerTopology,
    bug: "bypass",
    blocked: [publicTo(443)],
    allowed: [allowedTo("lb", LB, 443), ssh],
    egress: egress("172.17.0.2", 80, 443),
  },
  {
    name: "ufw with Docker 24 (DW101)",
    file: "fixtures/ufw-docker.rules",
    rule: "DW101",
    strategies: ["nat", "docker-user", "nft"],
    topology: dockerTopology,
    bug: "bypass",
    listen: [80],
    blocked: [publicTo(8080), tcp("office-8080", CLIENT, OFFICE, HOST_V4, 8080)],
    allowed: [ssh],
    egress: egress("172.17.0.2", 80, 8080),
  },
  {
    name: "DOCKER-USER drop on the host port (DW102)",
    file: "fixtures/lint/docker-user-host-port/trigger.rules",
    strategies: ["docker-user"],
    topology: dockerTopology,
    bug: "bypass",
    listen: [80],
    blocked: [publicTo(8080)],
    allowed: [allowedTo("office", OFFICE, 8080)],
    egress: egress("172.17.0.2", 80, 8080),
  },
  {
    name: "DOCKER-USER on a published port range without --ctdir (DW103)",
    file: "fixtures/fix/ctorig-range.rules",
    strategies: ["docker-user"],
    topology: dockerTopology,
    bug: "egress",
    blocked: [publicTo(8005), publicTo(8010)],
    allowed: [allowedTo("office", OFFICE, 8000), allowedTo("office", OFFICE, 8010)],
    egress: egress("172.17.0.2", 8000, 8005),
  },
  {
    name: "blanket DROP in DOCKER-USER (DW104)",
    file: "fixtures/lint/docker-user-blanket-drop/trigger.rules",
    strategies: ["docker-user"],
    topology: dockerTopology,
    bug: "egress",
    allowedBrokenBefore: true,
    listen: [80],
    blocked: [publicTo(8080)],
    allowed: [allowedTo("office", OFFICE, 8080)],
    egress: egress("172.17.0.2", 80, 443),
  },
  {
    name: "FORWARD rule after Docker's jumps (DW105)",
    file: "fixtures/lint/forward-rule-after-docker/trigger.rules",
    strategies: ["docker-user"],
    topology: dockerTopology,
    bug: "bypass",
    listen: [80],
    blocked: [publicTo(8080)],
    allowed: [ssh],
    egress: egress("172.17.0.2", 80, 443),
  },
  {
    name: "routing straight to a container (DW107)",
    file: "fixtures/lint/direct-routing-to-containers/trigger.rules",
    strategies: ["raw"],
    topology: dockerTopology,
    bug: "bypass",
    blocked: [tcp("direct-80", CLIENT, CLIENT_V4, "172.17.0.2", 80)],
    allowed: [reach(tcp("published-8080", CLIENT, CLIENT_V4, HOST_V4, 8080), c1), ssh],
    egress: egress("172.17.0.2", 80, 443),
  },
  {
    // ufw logs forwarded traffic with -m limit before its DROP policy: LOG
    // cannot change the verdict, so the engine decides these packets
    name: "ufw with Docker 24: routing straight to a container (DW107)",
    file: "fixtures/ufw-docker.rules",
    rule: "DW107",
    strategies: ["raw"],
    topology: dockerTopology,
    bug: "bypass",
    listen: [80],
    blocked: [tcp("direct-80", CLIENT, CLIENT_V4, "172.17.0.2", 80)],
    allowed: [reach(tcp("published-8080", CLIENT, CLIENT_V4, HOST_V4, 8080), c1), ssh],
    egress: egress("172.17.0.2", 80, 443),
  },
  {
    name: "DOCKER-USER never jumped to (DW109)",
    file: "fixtures/lint/docker-user-not-wired/trigger.rules",
    strategies: ["docker-user"],
    topology: dockerTopology,
    bug: "bypass",
    blocked: [tcp("direct-80", CLIENT, CLIENT_V4, "172.17.0.2", 80)],
    allowed: [reach(tcp("partner-80", CLIENT, PARTNER, "172.17.0.2", 80), c1)],
    egress: egress("172.17.0.2", 80, 443),
  },
  {
    name: "Docker 28 layout, user network (DW101)",
    file: "fixtures/fix/docker-28.rules",
    strategies: ["nat", "docker-user", "nft"],
    topology: docker28Topology,
    bug: "bypass",
    listen: [80],
    blocked: [publicTo(8080)],
    allowed: [allowedTo("lb", LB, 8080), ssh],
    egress: egress("172.18.0.2", 80, 443),
  },
  {
    name: "kube-proxy NodePort (DW113)",
    file: "fixtures/fix/nodeport.rules",
    rule: "DW113",
    strategies: ["nat", "nft"],
    topology: kubeTopology,
    bug: "bypass",
    listen: [8080],
    blocked: [publicTo(30080)],
    allowed: [ssh],
    egress: egress("10.244.0.5", 80, 443),
  },
  {
    name: "kube-proxy NodePort, two endpoints by -m statistic (DW113)",
    file: "fixtures/fix/nodeport-endpoints.rules",
    rule: "DW113",
    strategies: ["nat", "nft"],
    topology: kube2Topology,
    bug: "bypass",
    targets: [c1, "c2"],
    listen: [8080],
    blocked: [publicTo(30080), tcp("office-30080", CLIENT, OFFICE, HOST_V4, 30080)],
    allowed: [ssh],
    egress: egress("10.244.0.5", 80, 443),
  },
];

/**
 * Fixes checked only for loading: the lab cannot send a packet addressed to
 * 127.0.0.1 from another namespace (the client's own lo would take it), so
 * DW106's raw drop is proved by the engine alone.
 */
const LOAD_ONLY: Pick<Scenario, "name" | "file" | "rule" | "strategies">[] = [
  { name: "port published on 127.0.0.1 (DW106)", file: "fixtures/lint/loopback-publish-reachable/trigger.rules", rule: "DW106", strategies: ["raw"] },
];

const outputCache = new Map<string, { iptables?: string; nft?: string }>();

function outputs(s: Pick<Scenario, "name" | "file" | "rule">, strategy: Strategy): { iptables?: string; nft?: string } {
  const key = `${s.name}\u0000${strategy}`;
  const had = outputCache.get(key);
  if (had) return had;
  const text = read(s.file);
  const base = { rule: s.rule ? [s.rule] : [], hostAddr: [], iface: [] };
  const r = runFix({ name: s.file, text }, { ...base, strategy, format: strategy === "nft" ? "nft" : "save" });
  expect(r.exit, r.stderr.join("")).toBe(0);
  expect(r.stdout, "a fix was printed").not.toBe("");
  const out = strategy === "nft" ? { nft: r.stdout } : { iptables: r.stdout };
  outputCache.set(key, out);
  return out;
}

const byId = (results: ProbeResult[]) => new Map(results.map((r) => [r.probe.id, r]));
const reached = (r: ProbeResult | undefined, ns: string) => r?.result === "open" && r.answer?.ns === ns;
const show = (r: ProbeResult | undefined) => (r ? `${r.probe.id} (${r.probe.src} -> ${r.probe.dst}:${r.probe.dport}): ${r.result}${r.code ? ` ${r.code}` : ""}${r.answer ? ` answered by ${r.answer.ns}` : ""}` : "missing");
/** The blocked probes' target: the container behind the published port or address. */
const TARGET = c1;

describeLab("dockwall fix, proved in the kernel", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.open(dockerTopology);
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
  });

  async function run(s: Scenario, load: (lab: Lab) => Promise<void>): Promise<Map<string, ProbeResult>> {
    await lab.setTopology(s.topology);
    await lab.reset();
    await load(lab);
    // generous timeout: an answer that misses it would read as "blocked"
    return byId(await lab.probe([...s.blocked, ...s.allowed, ...s.egress], { timeoutMs: 1500, listen: { tcp: s.listen ?? [] } }));
  }

  for (const s of SCENARIOS) {
    it(`${s.name}: the bug is there before the fix`, async () => {
      const r = await run(s, (l) => l.loadIptables(read(s.file), "ipv4"));
      for (const p of s.allowed) expect(reached(r.get(p.id), p.to), show(r.get(p.id))).toBe(!s.allowedBrokenBefore);
      if (s.bug === "bypass") {
        for (const p of s.blocked) expect((s.targets ?? [TARGET]).some((t) => reached(r.get(p.id), t)), show(r.get(p.id))).toBe(true);
      } else {
        for (const p of s.blocked) expect(r.get(p.id)?.result, show(r.get(p.id))).toBe("timeout");
        for (const p of s.egress) expect(reached(r.get(p.id), CLIENT), show(r.get(p.id))).toBe(false);
      }
    }, 60_000);

    for (const strategy of s.strategies) {
      it(`${s.name}: --strategy ${strategy} blocks, keeps the allowed sources and container egress`, async () => {
        const out = outputs(s, strategy);
        const r = await run(s, async (l) => {
          if (out.iptables) return l.loadIptables(out.iptables, "ipv4");
          await l.loadIptables(read(s.file), "ipv4");
          await l.loadNft(out.nft!);
        });
        for (const p of s.blocked) expect(r.get(p.id)?.result, show(r.get(p.id))).toBe("timeout");
        for (const p of s.allowed) expect(reached(r.get(p.id), p.to), show(r.get(p.id))).toBe(true);
        for (const p of s.egress) expect(reached(r.get(p.id), CLIENT), show(r.get(p.id))).toBe(true);
      }, 60_000);
    }
  }

  it("every printed ruleset loads: iptables-restore --test and nft -c -f", () => {
    for (const s of [...SCENARIOS, ...LOAD_ONLY]) {
      for (const strategy of s.strategies) {
        const out = outputs(s, strategy);
        const r = out.iptables
          ? runInNetns("iptables-restore --test", { input: out.iptables })
          : runInNetns(`iptables-restore && nft -c -f /dev/stdin <<'EOF'\n${out.nft}EOF`, { input: read(s.file) });
        expect(r.status, `${s.name} ${strategy}: ${r.stderr}`).toBe(0);
      }
    }
  }, 60_000);
});
