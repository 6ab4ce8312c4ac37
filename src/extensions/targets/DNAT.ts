// libxt_DNAT: rewrite the destination of a connection's first packet (nat PREROUTING/OUTPUT).
import type { Family } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { parseNatRange } from "./nat-range.js";

export const DNAT: Extension = {
  name: "DNAT",
  kind: "target",
  options: [
    {
      name: "--to-destination",
      arity: 1,
      repeatable: true,
      check: (a: string[], f: Family) => {
        const r = parseNatRange(a[0]!, f);
        return typeof r === "string" ? r : undefined;
      },
    },
    { name: "--random", arity: 0 },
    { name: "--persistent", arity: 0 },
  ],
};
