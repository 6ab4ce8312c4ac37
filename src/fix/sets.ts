// Sets the fix proofs share. "The same connection in any state" is the
// engine's Universe.anyState: a fix that blocks a connection's first packet
// also changes what happens to the rest of that connection (ESTABLISHED
// packets get no DNAT binding any more), and the proof must allow exactly
// those changes, no others.
import type { PacketSet, Universe } from "../engine/api.js";

/** Packets that are not the first of their connection (state other than NEW). */
export function notNew(u: Universe): PacketSet {
  return u.all().subtract(u.of({ k: "ctstate", states: ["NEW"] }));
}
