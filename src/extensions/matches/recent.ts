// libxt_recent: remember source (or destination) addresses in a named list.
// iptables-save always prints the list name, mask and side, defaults included,
// and a `!` before the action (it negates the whole match).
import type { OptionValue } from "../../syntax/ast.js";
import type { Extension } from "../types.js";
import { getOpt, implied, plainAddr, requireOne, exclusive, uint } from "../values.js";
import * as xl from "../nft-text.js";

const ACTIONS = ["--rcheck", "--set", "--update", "--remove"];

export const recent: Extension = {
  name: "recent",
  kind: "match",
  xlate: (call, ctx) => xlateRecent(call, ctx),
  options: [
    { name: "--rcheck", arity: 0, negatable: true },
    { name: "--set", arity: 0, negatable: true },
    { name: "--update", arity: 0, negatable: true },
    { name: "--remove", arity: 0, negatable: true },
    { name: "--seconds", arity: 1, ...uint(0xffffffff, 1) },
    { name: "--reap", arity: 0 },
    { name: "--hitcount", arity: 1, ...uint(0xffffffff, 1) },
    { name: "--rttl", arity: 0 },
    { name: "--name", arity: 1, check: (a) => (a[0]!.length === 0 || a[0]!.length > 199 ? "a list name has 1 to 199 characters" : undefined) },
    { name: "--mask", arity: 1, ...plainAddr },
    { name: "--rsource", arity: 0 },
    { name: "--rdest", arity: 0 },
  ],
  checkCall(options) {
    const e = requireOne(options, ACTIONS) ?? exclusive(options, ACTIONS) ?? exclusive(options, ["--rsource", "--rdest"]);
    if (e) return e;
    if (options.some((o) => o.name === "--reap") && !options.some((o) => o.name === "--seconds")) return "--reap needs --seconds";
    const action = options.find((o) => ACTIONS.includes(o.name))!.name;
    if ((action === "--set" || action === "--remove") && options.some((o) => ["--seconds", "--hitcount", "--reap", "--rttl"].includes(o.name)))
      return `--seconds, --hitcount, --reap and --rttl work only with --rcheck or --update, not ${action}`;
    return undefined;
  },
  normalize(options, family, span) {
    const out: OptionValue[] = [...options];
    if (!getOpt(out, "--name")) out.push(implied("--name", ["DEFAULT"], span));
    if (!getOpt(out, "--mask")) out.push(implied("--mask", [family === "ipv4" ? "255.255.255.255" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"], span));
    if (!getOpt(out, "--rsource") && !getOpt(out, "--rdest")) out.push(implied("--rsource", [], span));
    return out;
  },
};

const xlateRecent: xl.XlateFn = () => xl.untranslatable("nft has no equivalent of the recent lists (sets with timeouts behave differently)");
