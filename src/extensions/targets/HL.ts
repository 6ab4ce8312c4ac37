// libip6t_HL: set, decrement or increment the IPv6 hop limit (mangle).
import type { Extension } from "../types.js";
import { hopCountTarget } from "./TTL.js";

export const HL: Extension = hopCountTarget("HL", "hl", "ipv6");
