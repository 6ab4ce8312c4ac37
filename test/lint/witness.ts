// Replays a finding's witness through the concrete tracer, as a user would
// with the printed `dockwall trace` command line.
import { parseArgs } from "node:util";
import { inferHost, trace, type TracePacket, type TraceResult } from "../../src/engine/api.js";
import type { Dump } from "../../src/syntax/ast.js";
import type { Finding } from "../../src/lint/types.js";

export function replay(f: Finding, dump: Dump): TraceResult {
  const w = f.witness;
  if (!w) throw new Error(`${f.id} at line ${f.location.line} has no witness`);
  const words = w.traceCommand.split(" ").slice(3);
  const { values } = parseArgs({
    args: words,
    options: {
      src: { type: "string" }, dst: { type: "string" }, proto: { type: "string" }, sport: { type: "string" }, dport: { type: "string" },
      in: { type: "string" }, state: { type: "string" }, iface: { type: "string", multiple: true }, "host-addr": { type: "string", multiple: true },
      "default-iface": { type: "string" }, "from-host": { type: "boolean" }, "icmp-type": { type: "string" },
    },
  });
  const p: TracePacket = { src: values.src!, dst: values.dst! };
  if (values.proto) p.proto = values.proto;
  if (values.sport) p.sport = Number(values.sport);
  if (values.dport) p.dport = Number(values.dport);
  if (values.in) p.in = values.in;
  if (values.state) p.state = values.state as TracePacket["state"];
  const host = inferHost(dump, { ifaces: values.iface ?? [], hostAddrs: values["host-addr"] ?? [], ...(values["default-iface"] ? { defaultIface: values["default-iface"] } : {}) });
  return trace(dump, p, host);
}
