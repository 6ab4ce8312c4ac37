// libip6t_rt: the IPv6 routing header (type, segments left, length).
import type { Extension } from "../types.js";
import { numRange, uint } from "../values.js";
import { exthdrXlate } from "./ip6-exthdr.js";

const RT0 = ["--rt-0-res", "--rt-0-addrs", "--rt-0-not-strict"];

export const rt: Extension = {
  name: "rt",
  kind: "match",
  family: "ipv6",
  xlate: (call, ctx) => exthdrXlate("rt", [["--rt-type", "type"], ["--rt-segsleft", "seg-left"], ["--rt-len", "hdrlength"]], RT0)(call, ctx),
  options: [
    { name: "--rt-type", arity: 1, negatable: true, ...uint(255) },
    { name: "--rt-segsleft", arity: 1, negatable: true, ...numRange(0xffffffff, "segments-left count") },
    { name: "--rt-len", arity: 1, negatable: true, ...uint() },
    { name: "--rt-0-res", arity: 0 },
    { name: "--rt-0-addrs", arity: 1 },
    { name: "--rt-0-not-strict", arity: 0 },
  ],
  normalize: (options) => options.filter((o) => o.name !== "--rt-segsleft" || o.neg || o.args[0] !== "0:4294967295"),
};
