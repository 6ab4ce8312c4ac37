import type { Dump } from "../syntax/ast.js";
import { NotYet, type HostModel, type HostOptions } from "./api.js";
export class EngineInputError extends Error {}
export function inferHost(_dump: Dump | Dump[], _opts: HostOptions = {}): HostModel {
  throw new NotYet("inferHost");
}
export function parseIfaceOption(_text: string): { name: string; addr: string; prefix: number } {
  throw new NotYet("parseIfaceOption");
}
