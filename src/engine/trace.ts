import type { Dump } from "../syntax/ast.js";
import { NotYet, type HostModel, type TracePacket, type TraceResult } from "./api.js";
export function trace(_dump: Dump, _packet: TracePacket, _host?: HostModel): TraceResult {
  throw new NotYet("trace");
}
