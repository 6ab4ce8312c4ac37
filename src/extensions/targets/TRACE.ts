// libxt_TRACE: log the packet's path through every table and chain (raw table; nft monitor trace).
import type { Extension } from "../types.js";

export const TRACE: Extension = { name: "TRACE", kind: "target", options: [], xlate: () => ({ nft: "nftrace set 1" }) };
