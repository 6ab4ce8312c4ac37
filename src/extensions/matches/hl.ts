// libip6t_hl: the IPv6 hop limit (only --hl-eq can be negated).
import type { Extension } from "../types.js";
import { hopCountMatch } from "./ttl.js";

export const hl: Extension = hopCountMatch("hl", "hl", "ipv6");
