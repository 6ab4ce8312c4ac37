import type { Dump } from "../syntax/ast.js";
import { NotYet, type AnalyzeOptions, type ChainPart, type Difference, type Hook, type OutcomePart, type PacketSet, type Universe } from "./api.js";
export function analyze(_dump: Dump, _opts: AnalyzeOptions = {}): OutcomePart[] {
  throw new NotYet("analyze");
}
export function chainVerdicts(_dump: Dump, _table: string, _chain: string, _input: PacketSet, _opts: { universe: Universe; hook: Hook }): ChainPart[] {
  throw new NotYet("chainVerdicts");
}
export function compare(_a: Dump, _b: Dump, _opts: AnalyzeOptions = {}): Difference[] {
  throw new NotYet("compare");
}
