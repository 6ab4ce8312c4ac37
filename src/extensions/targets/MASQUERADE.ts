// libxt_MASQUERADE: SNAT to the outgoing interface's address.
import type { Extension } from "../types.js";
import { portRange } from "../values.js";

export const MASQUERADE: Extension = {
  name: "MASQUERADE",
  kind: "target",
  options: [
    { name: "--to-ports", arity: 1, check: (a) => portRange.check([a[0]!.replace("-", ":")]) },
    { name: "--random", arity: 0 },
    { name: "--random-fully", arity: 0 },
  ],
};
