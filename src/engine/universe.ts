import type { Dump } from "../syntax/ast.js";
import { NotYet, type HostModel, type Universe } from "./api.js";
export function makeUniverse(_dumps: Dump[], _host: HostModel): Universe {
  throw new NotYet("makeUniverse");
}
