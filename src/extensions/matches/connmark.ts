// libxt_connmark: the connection's mark, `VALUE[/MASK]`, printed in hex (see mark.ts).
import type { Extension } from "../types.js";
import { markMatch } from "./mark.js";

export const connmark: Extension = markMatch("connmark", "ctmark", "ct mark");
