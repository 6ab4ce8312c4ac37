// Exact packet sets as reduced, hash-consed interval decision diagrams.
/** An exact set of packets; create and combine through a Universe. */
export class PacketSet {
  private constructor(readonly node: number) {}
}
