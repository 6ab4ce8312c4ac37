// libip6t_mh: the Mobility Header type (RFC 6275). Loaded implicitly by `-p mh`.
import type { Extension } from "../types.js";
import { numRange } from "../values.js";
import { exthdrXlate } from "./ip6-exthdr.js";

const MH_TYPES = new Map([
  ["binding-refresh-request", 0], ["brr", 0], ["home-test-init", 1], ["hoti", 1], ["careof-test-init", 2], ["coti", 2],
  ["home-test", 3], ["hot", 3], ["careof-test", 4], ["cot", 4], ["binding-update", 5], ["bu", 5],
  ["binding-acknowledgement", 6], ["ba", 6], ["binding-error", 7], ["be", 7],
]);

const byName = (t: string) => t.split(":").map((p) => String(MH_TYPES.get(p.toLowerCase()) ?? p)).join(":");
const range = numRange(255, "mobility header type");

export const mh: Extension = {
  name: "mh",
  kind: "match",
  family: "ipv6",
  xlate: (call, ctx) => exthdrXlate("mh", [["--mh-type", "type"]])(call, ctx),
  options: [{ name: "--mh-type", arity: 1, negatable: true, check: (a, f) => range.check([byName(a[0]!)], f), canon: (a, f) => range.canon!([byName(a[0]!)], f) }],
  normalize: (options) => options.filter((o) => o.neg || o.args[0] !== "0:255"),
};
