// Random kube-proxy/Docker-shaped dumps for the engine's property tests:
// services pinned by address and port (more than the index threshold),
// endpoints behind statistic rules, DNAT, marks, masquerade, jumps, RETURN,
// interfaces and conntrack states, in nat and filter.
import { rng } from "./rng.js";

/** A random dump: nat services and endpoints, and filter chains long enough to be indexed. */
export function randomDump(seed: number): string {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number) => r() < p;
  const svcIps = Array.from({ length: 6 }, (_, i) => `10.96.0.${10 + i}`);
  const podIps = Array.from({ length: 6 }, (_, i) => `10.244.${i % 2}.${5 + i}`);
  const ports = [53, 80, 443, 8080];
  const ifaces = ["eth0", "docker0", "br-1", "cni0"];
  const nat: string[] = [];
  const natChains = new Set<string>(["SVCS", "MARK-MASQ", "POST"]);
  nat.push("-A PREROUTING -j SVCS", "-A OUTPUT -j SVCS", "-A POSTROUTING -j POST");
  nat.push("-A MARK-MASQ -j MARK --set-xmark 0x4000/0x4000");
  nat.push("-A POST -m mark ! --mark 0x4000/0x4000 -j RETURN", "-A POST -j MASQUERADE");
  nat.push("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE");
  // more than the index threshold of service rules, some sharing an address or a port
  for (let i = 0; i < 24; i++) {
    const svc = `SVC-${i}`;
    natChains.add(svc);
    const proto = pick(["tcp", "tcp", "udp"]);
    nat.push(`-A SVCS -d ${pick(svcIps)}/32 -p ${proto} -m ${proto} --dport ${pick(ports)} -j ${svc}`);
    if (chance(0.5)) nat.push(`-A ${svc} ! -s 10.244.0.0/16 -j MARK-MASQ`);
    const n = 1 + Math.floor(r() * 3);
    for (let k = 0; k < n; k++) {
      const sep = `SEP-${i}-${k}`;
      natChains.add(sep);
      const stat = k < n - 1 ? (chance(0.8) ? ` -m statistic --mode random --probability 0.${5 + k}` : " -m statistic --mode nth --every 2 --packet 0") : "";
      nat.push(`-A ${svc}${stat} -j ${sep}`);
      const pod = pick(podIps);
      if (chance(0.4)) nat.push(`-A ${sep} -s ${pod}/32 -j MARK-MASQ`);
      nat.push(`-A ${sep} -p ${proto} -j DNAT --to-destination ${pod}:${pick(ports)}`);
    }
    if (chance(0.2)) nat.push(`-A ${svc} -j RETURN`);
  }
  nat.push("-A SVCS -m addrtype --dst-type LOCAL -p tcp --dport 30080 -j DNAT --to-destination 172.17.0.2:80");
  const filter: string[] = [];
  const filterChains = new Set<string>(["FW", "SUB"]);
  filter.push("-A FORWARD -j FW", "-A INPUT -i lo -j ACCEPT");
  for (let i = 0; i < 30; i++) {
    const parts: string[] = [];
    if (chance(0.5)) parts.push(`-d ${pick([...svcIps, ...podIps])}/32`);
    if (chance(0.3)) parts.push(`${chance(0.3) ? "! " : ""}-i ${pick(ifaces)}`);
    if (chance(0.3)) parts.push(`-o ${pick(ifaces)}`);
    const proto = chance(0.6) ? pick(["tcp", "udp"]) : undefined;
    if (proto) parts.push(`-p ${proto} -m ${proto}${chance(0.7) ? ` --dport ${pick(ports)}` : ""}`);
    if (chance(0.3)) parts.push(`-m conntrack --ctstate ${pick(["NEW", "RELATED,ESTABLISHED", "INVALID"])}`);
    if (chance(0.15)) parts.push("-m mark --mark 0x4000/0x4000");
    if (chance(0.1)) parts.push("-m statistic --mode random --probability 0.25");
    const target = pick(["ACCEPT", "DROP", "REJECT", "RETURN", "SUB", "LOG"]);
    filter.push(`-A FW ${parts.join(" ")} -j ${target}`.replace(/ +/g, " "));
  }
  for (let i = 0; i < 20; i++) filter.push(`-A SUB -d ${pick(podIps)}/32 -p tcp -m tcp --dport ${pick(ports)} -j ${pick(["ACCEPT", "DROP", "RETURN"])}`);
  filter.push("-A SUB -o docker0 -j ACCEPT");
  for (let i = 0; i < 18; i++) filter.push(`-A INPUT -p tcp -m tcp --dport ${pick([22, ...ports])} ${chance(0.4) ? `-d ${pick([...svcIps, "198.51.100.1"])}/32 ` : ""}-j ${pick(["ACCEPT", "DROP"])}`);
  const decl = (names: Iterable<string>) => [...names].map((c) => `:${c} - [0:0]`);
  return [
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    ...decl(natChains),
    ...nat,
    "COMMIT",
    "*filter",
    ":INPUT DROP [0:0]",
    `:FORWARD ${pick(["ACCEPT", "DROP"])} [0:0]`,
    ":OUTPUT ACCEPT [0:0]",
    ...decl(filterChains),
    ...filter,
    "COMMIT",
    "",
  ].join("\n");
}

