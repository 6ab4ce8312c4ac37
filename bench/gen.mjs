// Deterministic kube-proxy (iptables mode) + Docker 28 dumps of a given rule count,
// shaped like `iptables-save` output on a busy Kubernetes node that also runs
// dockerd: tens of thousands of KUBE-SVC-/KUBE-SEP- chains, statistic, comment,
// conntrack, mark, multiport and DNAT rules, in raw, mangle, filter and nat.
// The same rule count always gives the same bytes, so timings are comparable.
//
//   node bench/gen.mjs 10000 > /tmp/10k.rules
import { writeFileSync } from "node:fs";

/** mulberry32: a tiny seeded PRNG, so every run writes the same dump. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** kube-proxy's chain suffix: 16 base32 characters of a SHA-256 (here: of the PRNG). */
function hash16(rand) {
  let s = "";
  for (let i = 0; i < 16; i++) s += B32[Math.floor(rand() * 32)];
  return s;
}

const NAMESPACES = ["default", "kube-system", "monitoring", "ingress-nginx", "payments", "search", "batch", "web"];
const PORTS = [
  ["http", "tcp", 80, 8080],
  ["https", "tcp", 443, 8443],
  ["grpc", "tcp", 9090, 9090],
  ["metrics", "tcp", 9100, 9100],
  ["dns", "udp", 53, 53],
  ["dns-tcp", "tcp", 53, 53],
  ["redis", "tcp", 6379, 6379],
];

/**
 * kube-proxy passes 1/k with 10 decimals; xt_statistic stores it as a 31-bit
 * fraction and iptables-save prints that back with 11: 1/3 -> 0.33333333349.
 */
function probability(k) {
  const given = Number((1 / k).toFixed(10));
  return (Math.round(given * 0x80000000) / 0x80000000).toFixed(11);
}

/**
 * Builds the dump text. `rules` is the target rule count (-A lines); the result
 * is within a few rules of it.
 */
export function generate(rules) {
  const rand = rng(0x5eed ^ rules);
  const ip = (a, b) => `${a}.${Math.floor(b / 65536) % 256}.${Math.floor(b / 256) % 256}.${b % 256}`;
  const raw = [];
  const mangle = [];
  const filterDecl = new Set();
  const filter = { INPUT: [], FORWARD: [], OUTPUT: [] };
  const natDecl = new Set();
  const nat = { PREROUTING: [], INPUT: [], OUTPUT: [], POSTROUTING: [] };
  const add = (table, chain, line) => {
    (table[chain] ??= []).push(`-A ${chain} ${line}`);
  };
  let count = 0;
  const addF = (chain, line) => {
    add(filter, chain, line);
    count++;
  };
  const addN = (chain, line) => {
    add(nat, chain, line);
    count++;
  };

  // --- Docker 28.x (iptables backend), default bridge + one user bridge with published ports
  for (const c of ["DOCKER", "DOCKER-BRIDGE", "DOCKER-CT", "DOCKER-FORWARD", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2", "DOCKER-USER"]) filterDecl.add(c);
  natDecl.add("DOCKER");
  const bridges = [
    ["docker0", "172.17.0.0/16", "172.17.0."],
    ["br-1a2b3c4d5e6f", "172.18.0.0/16", "172.18.0."],
  ];
  // --- host firewall: INPUT policy rules an operator wrote, with multiport
  addF("INPUT", "-i lo -j ACCEPT");
  addF("INPUT", "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
  addF("INPUT", "-p tcp -m multiport --dports 22,80,443 -j ACCEPT");
  addF("INPUT", "-s 10.0.0.0/8 -p udp -m multiport --dports 53,123,161:162 -j ACCEPT");
  addF("INPUT", "-p icmp -m icmp --icmp-type 8 -j ACCEPT");
  addF("FORWARD", "-j DOCKER-USER");
  addF("FORWARD", "-j DOCKER-FORWARD");
  addF("DOCKER-USER", "-i eth0 -o br-1a2b3c4d5e6f -p tcp -m multiport --dports 3306,5432,6379 -m conntrack --ctstate NEW -j DROP");
  addF("DOCKER-FORWARD", "-j DOCKER-CT");
  addF("DOCKER-FORWARD", "-j DOCKER-ISOLATION-STAGE-1");
  addF("DOCKER-FORWARD", "-j DOCKER-BRIDGE");
  for (const [br, subnet] of bridges) {
    addF("DOCKER-BRIDGE", `-o ${br} -j DOCKER`);
    addF("DOCKER-CT", `-o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    addF("DOCKER-FORWARD", `-i ${br} -j ACCEPT`);
    addF("DOCKER-ISOLATION-STAGE-1", `-i ${br} ! -o ${br} -j DOCKER-ISOLATION-STAGE-2`);
    addF("DOCKER-ISOLATION-STAGE-2", `-o ${br} -j DROP`);
    addN("POSTROUTING", `-s ${subnet} ! -o ${br} -j MASQUERADE`);
    addN("DOCKER", `-i ${br} -j RETURN`);
  }
  const published = Math.max(2, Math.min(200, Math.floor(rules / 500)));
  for (let k = 0; k < published; k++) {
    const [br, , prefix] = bridges[k % 2];
    const cip = `${prefix}${2 + Math.floor(k / 2)}`;
    const port = 80 + (k % 7);
    const hostPort = 8000 + k;
    raw.push(`-A PREROUTING -d ${cip}/32 ! -i ${br} -j DROP`);
    count++;
    addF("DOCKER", `-d ${cip}/32 ! -i ${br} -o ${br} -p tcp -m tcp --dport ${port} -j ACCEPT`);
    addN("DOCKER", `! -i ${br} -p tcp -m tcp --dport ${hostPort} -j DNAT --to-destination ${cip}:${port}`);
  }
  for (const [br] of bridges) addF("DOCKER", `! -i ${br} -o ${br} -j DROP`);

  // --- kube-proxy fixed chains
  for (const c of ["KUBE-EXTERNAL-SERVICES", "KUBE-FIREWALL", "KUBE-FORWARD", "KUBE-KUBELET-CANARY", "KUBE-NODEPORTS", "KUBE-PROXY-CANARY", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES"]) filterDecl.add(c);
  for (const c of ["KUBE-KUBELET-CANARY", "KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-PROXY-CANARY", "KUBE-SERVICES"]) natDecl.add(c);
  addF("INPUT", '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL');
  addF("INPUT", '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS');
  addF("INPUT", '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES');
  addF("INPUT", "-j KUBE-FIREWALL");
  addF("FORWARD", '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL');
  addF("FORWARD", '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
  addF("FORWARD", '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  addF("FORWARD", '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES');
  addF("OUTPUT", '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL');
  addF("OUTPUT", '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  addF("OUTPUT", "-j KUBE-FIREWALL");
  addF("KUBE-FIREWALL", '! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
  addF("KUBE-FORWARD", "-m conntrack --ctstate INVALID -j DROP");
  addF("KUBE-FORWARD", '-m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT');
  addF("KUBE-FORWARD", '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  addN("PREROUTING", '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  addN("PREROUTING", "-m addrtype --dst-type LOCAL -j DOCKER");
  addN("OUTPUT", '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  addN("OUTPUT", "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER");
  addN("POSTROUTING", '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  addN("KUBE-MARK-MASQ", "-j MARK --set-xmark 0x4000/0x4000");
  addN("KUBE-POSTROUTING", "-m mark ! --mark 0x4000/0x4000 -j RETURN");
  addN("KUBE-POSTROUTING", "-j MARK --set-xmark 0x4000/0x0");
  addN("KUBE-POSTROUTING", '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');

  // --- kube-proxy services until the rule budget is spent
  const servicesTail = [];
  let svc = 0;
  let nodePort = 30000;
  while (count < rules - 1) {
    const ns = NAMESPACES[svc % NAMESPACES.length];
    const [portName, proto, port, targetPort] = PORTS[Math.floor(rand() * PORTS.length)];
    const name = `${ns}/svc-${svc}:${portName}`;
    const clusterIP = ip("10", 96 * 65536 + 10 + svc);
    const endpoints = Math.floor(rand() * 4); // 0 = no endpoints: REJECT rules
    const withNodePort = rand() < 0.15;
    svc++;
    if (endpoints === 0) {
      addF("KUBE-SERVICES", `-d ${clusterIP}/32 -p ${proto} -m comment --comment "${name} has no endpoints" -m ${proto} --dport ${port} -j REJECT --reject-with icmp-port-unreachable`);
      if (withNodePort) {
        addF("KUBE-EXTERNAL-SERVICES", `-p ${proto} -m comment --comment "${name} has no endpoints" -m addrtype --dst-type LOCAL -m ${proto} --dport ${nodePort++} -j REJECT --reject-with icmp-port-unreachable`);
      }
      continue;
    }
    const svcChain = `KUBE-SVC-${hash16(rand)}`;
    natDecl.add(svcChain);
    addN("KUBE-SERVICES", `-d ${clusterIP}/32 -p ${proto} -m comment --comment "${name} cluster IP" -m ${proto} --dport ${port} -j ${svcChain}`);
    addN(svcChain, `! -s 10.244.0.0/16 -d ${clusterIP}/32 -p ${proto} -m comment --comment "${name} cluster IP" -m ${proto} --dport ${port} -j KUBE-MARK-MASQ`);
    if (withNodePort) {
      const extChain = `KUBE-EXT-${hash16(rand)}`;
      natDecl.add(extChain);
      addN("KUBE-NODEPORTS", `-p ${proto} -m comment --comment "${name}" -m ${proto} --dport ${nodePort++} -j ${extChain}`);
      addN(extChain, `-m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`);
      addN(extChain, `-j ${svcChain}`);
    }
    for (let e = 0; e < endpoints; e++) {
      const sepChain = `KUBE-SEP-${hash16(rand)}`;
      natDecl.add(sepChain);
      const podIP = ip("10", 244 * 65536 + 2 + ((svc * 7 + e * 131) % 65000));
      const left = endpoints - e;
      const stat = left > 1 ? ` -m statistic --mode random --probability ${probability(left)}` : "";
      addN(svcChain, `-m comment --comment "${name} -> ${podIP}:${targetPort}"${stat} -j ${sepChain}`);
      addN(sepChain, `-s ${podIP}/32 -m comment --comment "${name}" -j KUBE-MARK-MASQ`);
      addN(sepChain, `-p ${proto} -m comment --comment "${name}" -m ${proto} -j DNAT --to-destination ${podIP}:${targetPort}`);
    }
  }
  servicesTail.push('-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  for (const l of servicesTail) addN("KUBE-SERVICES", l);

  // iptables-save (nf_tables) prints the tables in this order: mangle, raw, filter, nat
  const out = [];
  const date = "Mon Mar  2 10:00:00 2026";
  out.push(`# Generated by iptables-save v1.8.9 (nf_tables) on ${date}`);
  out.push("*mangle", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]");
  out.push(":KUBE-IPTABLES-HINT - [0:0]", ":KUBE-KUBELET-CANARY - [0:0]", ":KUBE-PROXY-CANARY - [0:0]", ...mangle, "COMMIT");
  out.push(`# Completed on ${date}`);
  out.push(`# Generated by iptables-save v1.8.9 (nf_tables) on ${date}`);
  out.push("*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ...raw, "COMMIT");
  out.push(`# Completed on ${date}`);
  const emit = (name, builtins, decl, chains) => {
    out.push(`# Generated by iptables-save v1.8.9 (nf_tables) on ${date}`);
    out.push(`*${name}`);
    for (const b of builtins) out.push(`:${b} ${name === "filter" && b === "FORWARD" ? "DROP" : "ACCEPT"} [0:0]`);
    // iptables-save lists user chains sorted by name, then rules chain by chain in that order
    const users = [...decl].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const c of users) out.push(`:${c} - [0:0]`);
    for (const c of [...builtins, ...users]) for (const l of chains[c] ?? []) out.push(l);
    out.push("COMMIT", `# Completed on ${date}`);
  };
  emit("filter", ["INPUT", "FORWARD", "OUTPUT"], filterDecl, filter);
  emit("nat", ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"], natDecl, nat);
  return { text: out.join("\n") + "\n", rules: count };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1000);
  if (!Number.isInteger(n) || n < 100) {
    process.stderr.write("usage: node bench/gen.mjs RULES [OUTFILE]  (RULES >= 100)\n");
    process.exit(2);
  }
  const { text } = generate(n);
  if (process.argv[3]) writeFileSync(process.argv[3], text);
  else process.stdout.write(text);
}
