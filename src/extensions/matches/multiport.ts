// libxt_multiport: up to 15 ports (a range counts twice) in one match.
import type { Extension } from "../types.js";
import { exclusive, parsePortRange, requireOne, type ValueType } from "../values.js";
import { allOptions, or, portsConstraint } from "../packet.js";
import * as xl from "../nft-text.js";
import { hasPortProto } from "../protocols.js";

const PORT_LIST: ValueType = {
  check: (a) => {
    let slots = 0;
    for (const p of a[0]!.split(",")) {
      if (!p.includes(":") ? !parsePortRange(p) : !/^[^:]+:[^:]+$/.test(p) || !parsePortRange(p)) return `'${p}' is not a port or port range`;
      slots += p.includes(":") ? 2 : 1;
    }
    return slots > 15 ? "multiport takes at most 15 ports (a range counts as two)" : undefined;
  },
  canon: (a) => [
    a[0]!
      .split(",")
      .map((p) => {
        const [lo, hi] = parsePortRange(p)!;
        return p.includes(":") ? `${lo}:${hi}` : String(lo);
      })
      .join(","),
  ],
};

const NAMES = ["--sports", "--dports", "--ports"];

export const multiport: Extension = {
  name: "multiport",
  kind: "match",
  xlate: (call, ctx) => xlateMultiport(call, ctx),
  options: [
    { name: "--sports", aliases: ["--source-ports"], arity: 1, negatable: true, ...PORT_LIST },
    { name: "--dports", aliases: ["--destination-ports"], arity: 1, negatable: true, ...PORT_LIST },
    { name: "--ports", arity: 1, negatable: true, ...PORT_LIST },
  ],
  checkCall: (options) => exclusive(options, NAMES) ?? requireOne(options, NAMES),
  constraint: (call) =>
    allOptions(call.options, (name, a) => {
      const ranges = a[0]!.split(",").map((p) => parsePortRange(p)!);
      if (name === "--sports") return portsConstraint("sport", ranges);
      if (name === "--dports") return portsConstraint("dport", ranges);
      return or(portsConstraint("sport", ranges), portsConstraint("dport", ranges));
    }),
};

const xlateMultiport: xl.XlateFn = (call, ctx) => {
  if (!hasPortProto(ctx.rule)) return xl.untranslatable("multiport needs -p tcp, udp, udplite, sctp or dccp");
  const p = ctx.rule.proto!.value;
  const o = call.options[0]!;
  const items = o.args[0]!.split(",").map((x) => xl.colonRange(x));
  if (o.name === "--ports") {
    const elems = items.flatMap((i) => [`0-65535 . ${i}`, `${i} . 0-65535`]);
    return { nft: `${p} sport . ${p} dport ${xl.neq(o.neg)}{ ${elems.join(", ")} }` };
  }
  const key = `${p} ${o.name === "--sports" ? "sport" : "dport"}`;
  const value = items.length === 1 ? items[0] : `{ ${items.join(", ")} }`;
  return { nft: `${key} ${xl.neq(o.neg)}${value}` };
};
