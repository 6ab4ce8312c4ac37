// Responder for the kernel lab, run inside one lab namespace (plain JS: node runs
// it inside `ip netns exec` without a TypeScript loader).
//
// Every TCP connection / UDP datagram is answered with one line
//   "<name> <peer ip:port> <local ip:port>"
// so a probe learns which namespace got the packet and the tuple it had on
// arrival (post-DNAT destination, post-SNAT source).
//
// stdin: one JSON object per line, {"tcp":[ports],"udp":[ports]}; ports add up.
// After each line the listener prints "ready" once every socket is bound.
// UDP sockets are bound per local address because node cannot read the
// destination address of a datagram (no IP_PKTINFO); a per-address socket knows it.
import dgram from "node:dgram";
import net from "node:net";
import os from "node:os";
import readline from "node:readline";

const name = process.argv[2] ?? "?";
const tcpPorts = new Map();
const udpSockets = new Map();

const plain = (a) => (a?.startsWith("::ffff:") ? a.slice(7) : a);
const hostPort = (a, p) => `${plain(a)}:${p}`;

function localAddresses() {
  const out = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) {
      // link-local IPv6 needs a scope id to bind; the lab never probes it
      if (i.family === "IPv6" && i.address.toLowerCase().startsWith("fe80")) continue;
      out.push(i.address);
    }
  }
  return out;
}

function listenTcp(port) {
  if (tcpPorts.has(port)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const srv = net.createServer((c) => {
      c.on("error", () => {});
      c.end(`${name} ${hostPort(c.remoteAddress, c.remotePort)} ${hostPort(c.localAddress, c.localPort)}\n`);
    });
    srv.on("error", reject);
    srv.listen({ host: "::", port, ipv6Only: false, backlog: 4096 }, () => {
      tcpPorts.set(port, srv);
      resolve();
    });
  });
}

function listenUdp(addr, port) {
  const key = `${addr}|${port}`;
  if (udpSockets.has(key)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: addr.includes(":") ? "udp6" : "udp4", reuseAddr: true });
    s.on("error", (e) => (udpSockets.has(key) ? process.stderr.write(`listener ${name}: ${e.message}\n`) : reject(e)));
    s.on("message", (_msg, rinfo) => {
      s.send(`${name} ${hostPort(rinfo.address, rinfo.port)} ${hostPort(addr, port)}\n`, rinfo.port, rinfo.address);
    });
    s.bind({ address: addr, port }, () => {
      udpSockets.set(key, s);
      resolve();
    });
  });
}

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on("line", (line) => {
  queue = queue.then(async () => {
    if (!line.trim()) return;
    const want = JSON.parse(line);
    try {
      for (const p of want.tcp ?? []) await listenTcp(p);
      const addrs = localAddresses();
      for (const p of want.udp ?? []) for (const a of addrs) await listenUdp(a, p);
      process.stdout.write("ready\n");
    } catch (e) {
      process.stdout.write(`error ${e.message}\n`);
    }
  });
});
// the lab closes our stdin when it is done with us
rl.on("close", () => process.exit(0));
