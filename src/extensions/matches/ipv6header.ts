// libip6t_ipv6header: which IPv6 extension headers the packet carries.
import type { Extension } from "../types.js";
import * as xl from "../nft-text.js";

/** Printed names, in the order iptables-save lists them. */
const HEADERS = ["hop-by-hop", "ipv6-opts", "ipv6-route", "ipv6-frag", "ah", "esp", "ipv6-nonxt", "protocol"] as const;
const ALIASES: ReadonlyMap<string, string> = new Map([
  ["hop", "hop-by-hop"], ["hop-by-hop", "hop-by-hop"], ["0", "hop-by-hop"],
  ["dst", "ipv6-opts"], ["ipv6-opts", "ipv6-opts"], ["60", "ipv6-opts"],
  ["route", "ipv6-route"], ["ipv6-route", "ipv6-route"], ["43", "ipv6-route"],
  ["frag", "ipv6-frag"], ["ipv6-frag", "ipv6-frag"], ["44", "ipv6-frag"],
  ["auth", "ah"], ["ah", "ah"], ["51", "ah"], ["esp", "esp"], ["50", "esp"],
  ["none", "ipv6-nonxt"], ["ipv6-nonxt", "ipv6-nonxt"], ["59", "ipv6-nonxt"], ["prot", "protocol"], ["protocol", "protocol"], ["255", "protocol"],
]);

export const ipv6header: Extension = {
  name: "ipv6header",
  kind: "match",
  xlate: (call, ctx) => xlateIpv6header(call, ctx),
  family: "ipv6",
  options: [
    {
      name: "--header",
      arity: 1,
      negatable: true,
      check: (a) => {
        for (const w of a[0]!.split(",")) if (!ALIASES.has(w.toLowerCase())) return `'${w}' is not an IPv6 extension header name`;
        return undefined;
      },
      canon: (a) => {
        const s = new Set(a[0]!.split(",").map((w) => ALIASES.get(w.toLowerCase())));
        return [HEADERS.filter((h) => s.has(h)).join(",")];
      },
    },
    { name: "--soft", arity: 0 },
  ],
  checkCall: (options) => (options.some((o) => o.name === "--header") ? undefined : "needs --header"),
};

const xlateIpv6header: xl.XlateFn = () => xl.untranslatable("ipv6header has no nft translation in dockwall yet");
