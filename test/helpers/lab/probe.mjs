// Batch prober for the kernel lab (TCP and UDP), run inside one lab namespace.
// stdin: {"timeoutMs":250,"parallel":256,"probes":[{"id","proto","src","dst","sport","dport"}]}
// stdout: one JSON array, in input order, of
//   {"id","result":"open|refused|unreachable|timeout|error","code"?,"answer"?,"ms"}
// open = TCP handshake completed / UDP answer received; "answer" is the responder's
// line. refused = RST or ICMP port unreachable; unreachable = any other ICMP error
// (or EPERM: the host's own OUTPUT dropped it); timeout = nothing came back.
// Probes run concurrently, so N dropped probes cost about one timeout, not N.
import dgram from "node:dgram";
import net from "node:net";

const REFUSED = new Set(["ECONNREFUSED", "ECONNRESET"]);
const UNREACH = new Set(["EHOSTUNREACH", "ENETUNREACH", "EACCES", "EPERM", "EPROTO"]);
const classify = (code) => (REFUSED.has(code) ? "refused" : UNREACH.has(code) ? "unreachable" : code === "ETIMEDOUT" ? "timeout" : "error");

function tcpProbe(p, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let connected = false;
    let done = false;
    const s = net.connect({ host: p.dst, port: p.dport, localAddress: p.src, localPort: p.sport || undefined, autoSelectFamily: false });
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // RST instead of FIN: no TIME_WAIT here, the next scenario may reuse the port
      if (connected) s.resetAndDestroy();
      else s.destroy();
      resolve({ id: p.id, ...r, ms: Math.round((performance.now() - t0) * 1000) / 1000 });
    };
    const timer = setTimeout(() => finish(connected ? { result: "open" } : { result: "timeout" }), timeoutMs);
    s.on("connect", () => {
      connected = true;
    });
    let buf = "";
    s.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("\n")) finish({ result: "open", answer: buf.trim() });
    });
    s.on("end", () => finish({ result: "open", ...(buf.trim() ? { answer: buf.trim() } : {}) }));
    s.on("error", (e) => finish(connected ? { result: "open", answer: `(reset after connect: ${e.code})` } : { result: classify(e.code), code: e.code }));
  });
}

function udpProbe(p, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let done = false;
    const s = dgram.createSocket({ type: p.dst.includes(":") ? "udp6" : "udp4" });
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        s.close();
      } catch {}
      resolve({ id: p.id, ...r, ms: Math.round((performance.now() - t0) * 1000) / 1000 });
    };
    const timer = setTimeout(() => finish({ result: "timeout" }), timeoutMs);
    s.on("error", (e) => finish({ result: classify(e.code), code: e.code }));
    s.on("message", (m) => finish({ result: "open", answer: m.toString().trim() }));
    s.bind({ address: p.src, port: p.sport || 0 }, () => {
      // connected: ICMP errors for this flow come back as socket errors
      s.connect(p.dport, p.dst, () => s.send("dockwall-lab-probe\n"));
    });
  });
}

async function main() {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const req = JSON.parse(input);
  const timeoutMs = req.timeoutMs ?? 250;
  const parallel = req.parallel ?? 256;
  const out = new Array(req.probes.length);
  let next = 0;
  async function worker() {
    while (next < req.probes.length) {
      const i = next++;
      const p = req.probes[i];
      try {
        out[i] = await (p.proto === "tcp" ? tcpProbe(p, timeoutMs) : udpProbe(p, timeoutMs));
      } catch (e) {
        out[i] = { id: p.id, result: "error", code: e.code, error: String(e.message ?? e), ms: 0 };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, req.probes.length) }, worker));
  process.stdout.write(JSON.stringify(out) + "\n");
}
main().catch((e) => {
  process.stderr.write(`probe: ${e.stack ?? e}\n`);
  process.exit(2);
});
