// libipt_REJECT / libip6t_REJECT: drop and answer with an ICMP error or a TCP reset.
// iptables-save always prints --reject-with, the family's port-unreachable by default.
import type { Family, OptionValue } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { getOpt, implied } from "../values.js";
import * as xl from "../nft-text.js";

const V4: ReadonlyMap<string, string> = new Map([
  ["icmp-net-unreachable", "icmp-net-unreachable"], ["net-unreach", "icmp-net-unreachable"],
  ["icmp-host-unreachable", "icmp-host-unreachable"], ["host-unreach", "icmp-host-unreachable"],
  ["icmp-proto-unreachable", "icmp-proto-unreachable"], ["proto-unreach", "icmp-proto-unreachable"],
  ["icmp-port-unreachable", "icmp-port-unreachable"], ["port-unreach", "icmp-port-unreachable"],
  ["icmp-net-prohibited", "icmp-net-prohibited"], ["net-prohib", "icmp-net-prohibited"],
  ["icmp-host-prohibited", "icmp-host-prohibited"], ["host-prohib", "icmp-host-prohibited"],
  ["icmp-admin-prohibited", "icmp-admin-prohibited"], ["admin-prohib", "icmp-admin-prohibited"],
  ["tcp-reset", "tcp-reset"], ["tcp-rst", "tcp-reset"],
]);

const V6: ReadonlyMap<string, string> = new Map([
  ["icmp6-no-route", "icmp6-no-route"], ["no-route", "icmp6-no-route"],
  ["icmp6-adm-prohibited", "icmp6-adm-prohibited"], ["adm-prohibited", "icmp6-adm-prohibited"],
  ["icmp6-addr-unreachable", "icmp6-addr-unreachable"], ["addr-unreach", "icmp6-addr-unreachable"],
  ["icmp6-port-unreachable", "icmp6-port-unreachable"], ["port-unreach", "icmp6-port-unreachable"],
  ["icmp6-policy-fail", "icmp6-policy-fail"], ["policy-fail", "icmp6-policy-fail"],
  ["icmp6-reject-route", "icmp6-reject-route"], ["reject-route", "icmp6-reject-route"],
  ["tcp-reset", "tcp-reset"], ["tcp-rst", "tcp-reset"],
]);

const table = (f: Family) => (f === "ipv4" ? V4 : V6);

export const REJECT: Extension = {
  name: "REJECT",
  kind: "target",
  xlate: (call, ctx) => xlateReject(call, ctx),
  options: [
    {
      name: "--reject-with",
      arity: 1,
      check: (a, f) =>
        table(f).has(a[0]!)
          ? undefined
          : `'${a[0]}' is not a reject type for ${f === "ipv4" ? "iptables" : "ip6tables"} (expected ${[...new Set(table(f).values())].join(", ")})`,
      canon: (a, f) => [table(f).get(a[0]!)!],
    },
  ],
  normalize(options: OptionValue[], family, span) {
    if (getOpt(options, "--reject-with")) return options;
    return [implied("--reject-with", [family === "ipv4" ? "icmp-port-unreachable" : "icmp6-port-unreachable"], span)];
  },
};

const REJECT_NFT = new Map([
  ["icmp-net-unreachable", "icmp type net-unreachable"], ["icmp-host-unreachable", "icmp type host-unreachable"],
  ["icmp-proto-unreachable", "icmp type prot-unreachable"], ["icmp-net-prohibited", "icmp type net-prohibited"],
  ["icmp-host-prohibited", "icmp type host-prohibited"], ["icmp-admin-prohibited", "icmp type admin-prohibited"],
  ["icmp6-no-route", "icmpv6 type no-route"], ["icmp6-adm-prohibited", "icmpv6 type admin-prohibited"],
  ["icmp6-addr-unreachable", "icmpv6 type addr-unreachable"], ["icmp6-policy-fail", "icmpv6 type policy-fail"],
  ["icmp6-reject-route", "icmpv6 type reject-route"], ["tcp-reset", "tcp reset"],
]);

const xlateReject: xl.XlateFn = (call, ctx) => {
  const w = xl.get(call, "--reject-with")?.args[0] ?? "";
  // port-unreachable is nft's default reply
  if (w === "" || w === "icmp-port-unreachable" || w === "icmp6-port-unreachable") return { nft: "reject" };
  if (w === "tcp-reset" && (ctx.rule.proto?.value !== "tcp" || ctx.rule.proto.neg)) return xl.untranslatable("--reject-with tcp-reset needs -p tcp");
  const t = REJECT_NFT.get(w);
  if (!t) return xl.untranslatable(`--reject-with ${w} has no nft equivalent`);
  return { nft: `reject with ${t}` };
};
