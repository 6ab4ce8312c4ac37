// libxt_SNAT: rewrite the source of a connection's first packet (nat POSTROUTING/INPUT).
import type { Family } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { parseNatRange } from "./nat-range.js";

export const SNAT: Extension = {
  name: "SNAT",
  kind: "target",
  options: [
    {
      name: "--to-source",
      arity: 1,
      repeatable: true,
      check: (a: string[], f: Family) => {
        const r = parseNatRange(a[0]!, f);
        return typeof r === "string" ? r : undefined;
      },
    },
    { name: "--random", arity: 0 },
    { name: "--random-fully", arity: 0 },
    { name: "--persistent", arity: 0 },
  ],
};
