// libxt_NOTRACK: the old spelling of CT --notrack (raw table): the packet is not tracked.
import type { Extension } from "../types.js";

export const NOTRACK: Extension = { name: "NOTRACK", kind: "target", options: [], xlate: () => ({ nft: "notrack" }) };
