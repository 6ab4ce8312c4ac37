// libxt_owner: the local socket's user, group or existence (OUTPUT/POSTROUTING only).
// Names other than root cannot be resolved offline and are kept as written.
import type { Extension } from "../types.js";
import type { ValueType } from "../values.js";
import * as xl from "../nft-text.js";

const ID_RANGE: ValueType = {
  check: (a) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(a[0]!);
    if (!m) return /^[a-z_][a-z0-9_.-]*\$?$/i.test(a[0]!) ? undefined : `'${a[0]}' is not a name, ID or ID range`;
    return m[2] !== undefined && Number(m[2]) < Number(m[1]) ? `ID range '${a[0]}' is reversed` : undefined;
  },
  canon: (a) => {
    if (a[0] === "root") return ["0"];
    const m = /^(\d+)(?:-(\d+))?$/.exec(a[0]!);
    if (!m) return a;
    return [m[2] === undefined || m[1] === m[2] ? String(Number(m[1])) : `${Number(m[1])}-${Number(m[2])}`];
  },
};

export const owner: Extension = {
  name: "owner",
  kind: "match",
  xlate: (call, ctx) => xlateOwner(call, ctx),
  options: [
    { name: "--socket-exists", arity: 0, negatable: true },
    { name: "--uid-owner", arity: 1, negatable: true, ...ID_RANGE },
    { name: "--gid-owner", arity: 1, negatable: true, ...ID_RANGE },
    { name: "--suppl-groups", arity: 0 },
  ],
  checkCall(options) {
    if (!options.length) return "needs --uid-owner, --gid-owner or --socket-exists";
    if (options.some((o) => o.name === "--suppl-groups") && !options.some((o) => o.name === "--gid-owner")) return "--suppl-groups needs --gid-owner";
    return undefined;
  },
};

const xlateOwner: xl.XlateFn = (call) => {
  const parts: string[] = [];
  for (const o of call.options) {
    if (o.name === "--suppl-groups" || o.name === "--socket-exists") return xl.untranslatable(`${o.name} has no nft equivalent`);
    // without a socket iptables' negated owner test matches; nft's skuid/skgid stop the rule
    if (o.neg) return xl.untranslatable(`! ${o.name} also matches packets without a socket, nft's ${o.name === "--uid-owner" ? "skuid" : "skgid"} does not`);
    if (!/^\d+(-\d+)?$/.test(o.args[0]!)) return xl.untranslatable(`${o.name} '${o.args[0]}' is a name; nft needs the number (resolved on the host)`);
    parts.push(`${o.name === "--uid-owner" ? "skuid" : "skgid"} ${o.args[0]}`);
  }
  return xl.join(parts);
};
