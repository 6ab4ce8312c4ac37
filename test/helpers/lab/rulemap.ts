// Maps the kernel's rule handles back to the lines of the files the lab loaded.
// The k-th rule of a chain in `nft -j list ruleset` is the k-th rule obtained by
// replaying the loads in order (iptables-restore full or --noflush with
// -A/-I/-D/-F/-N/-X; nft table/chain blocks and add/insert rule). When the
// counts disagree, that chain's steps keep the handle but get line null: a
// wrong line would be worse than none.

export type NftFamily = "ip" | "ip6" | "inet" | "arp" | "bridge" | "netdev";

export type Load =
  | { kind: "iptables"; family: "ipv4" | "ipv6"; text: string; label: string; noflush: boolean }
  | { kind: "nft"; text: string; label: string };

export interface RuleOrigin {
  label: string;
  line: number;
  text: string;
}

/** Keys are "family table chain" joined by NUL: chain names are input. */
export const chainKey = (family: string, table: string, chain: string) => `${family}\0${table}\0${chain}`;

const BUILTIN = new Set(["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);

export interface Replay {
  chains: Map<string, RuleOrigin[]>;
  policies: Map<string, RuleOrigin>;
}

export function replay(loads: readonly Load[]): Replay {
  const chains = new Map<string, RuleOrigin[]>();
  const policies = new Map<string, RuleOrigin>();
  const list = (k: string) => {
    let l = chains.get(k);
    if (!l) chains.set(k, (l = []));
    return l;
  };
  const dropTable = (fam: string, table: string) => {
    const prefix = `${fam}\0${table}\0`;
    for (const m of [chains, policies]) for (const k of [...m.keys()]) if (k.startsWith(prefix)) m.delete(k);
  };
  for (const load of loads) {
    if (load.kind === "nft") {
      replayNft(load, chains, policies, list, dropTable);
      continue;
    }
    const fam = load.family === "ipv6" ? "ip6" : "ip";
    let table = "";
    load.text.split("\n").forEach((raw, i) => {
      const line = raw.trim();
      const ln = i + 1;
      if (!line || line.startsWith("#") || line === "COMMIT") return;
      if (line.startsWith("*")) {
        table = line.slice(1).split(/\s+/)[0] ?? "";
        if (!load.noflush) dropTable(fam, table);
        return;
      }
      const tok = line.split(/\s+/);
      if (line.startsWith(":")) {
        const name = tok[0]!.slice(1);
        const key = chainKey(fam, table, name);
        if (tok[1] && tok[1] !== "-") policies.set(key, { label: load.label, line: ln, text: line });
        // a `:CHAIN` line in a --noflush restore flushes that user chain
        if (load.noflush && !BUILTIN.has(name)) chains.set(key, []);
        list(key);
        return;
      }
      const op = tok[0];
      const key = chainKey(fam, table, tok[1] ?? "");
      const origin = { label: load.label, line: ln, text: line };
      if (op === "-A" || op === "--append") list(key).push(origin);
      else if (op === "-I" || op === "--insert") {
        const pos = tok[2] && /^\d+$/.test(tok[2]) ? Number(tok[2]) : 1;
        list(key).splice(pos - 1, 0, origin);
      } else if (op === "-D" || op === "--delete") {
        const l = list(key);
        if (tok.length === 3 && /^\d+$/.test(tok[2]!)) l.splice(Number(tok[2]) - 1, 1);
        else {
          const want = tok.slice(2).join(" ");
          const at = l.findIndex((o) => o.text.split(/\s+/).slice(2).join(" ") === want);
          if (at >= 0) l.splice(at, 1);
        }
      } else if (op === "-F" || op === "--flush") {
        if (tok[1]) chains.set(key, []);
        else for (const k of chains.keys()) if (k.startsWith(`${fam}\0${table}\0`)) chains.set(k, []);
      } else if (op === "-N" || op === "--new-chain") list(key);
      else if (op === "-X" || op === "--delete-chain") chains.delete(key);
      else if (op === "-P" || op === "--policy") policies.set(key, origin);
    });
  }
  return { chains, policies };
}

function stripComment(raw: string): string {
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') quoted = !quoted;
    else if (c === "#" && !quoted) return raw.slice(0, i).trim();
  }
  return raw.trim();
}

function replayNft(
  load: { text: string; label: string },
  chains: Map<string, RuleOrigin[]>,
  policies: Map<string, RuleOrigin>,
  list: (k: string) => RuleOrigin[],
  dropTable: (fam: string, table: string) => void,
) {
  let table: [string, string] | null = null;
  let chain: string | null = null;
  let depth = 0;
  load.text.split("\n").forEach((raw, i) => {
    const line = stripComment(raw);
    const ln = i + 1;
    if (!line) return;
    const tok = line.split(/\s+/);
    const origin = { label: load.label, line: ln, text: line };
    if (depth === 0) {
      if (tok[0] === "flush" && tok[1] === "ruleset") {
        chains.clear();
        policies.clear();
      } else if (tok[0] === "delete" && tok[1] === "table" && tok.length >= 4) dropTable(tok[2]!, tok[3]!);
      else if (tok[0] === "delete" && tok[1] === "table" && tok.length === 3) dropTable("ip", tok[2]!);
      else if (tok[0] === "flush" && tok[1] === "table") {
        const [f, t] = tok.length >= 4 ? [tok[2]!, tok[3]!] : ["ip", tok[2]!];
        for (const k of chains.keys()) if (k.startsWith(`${f}\0${t}\0`)) chains.set(k, []);
      } else if ((tok[0] === "add" || tok[0] === "insert") && tok[1] === "rule") {
        const key = chainKey(tok[2]!, tok[3]!, tok[4]!);
        const o = { ...origin, text: tok.slice(5).join(" ") };
        if (tok[0] === "add") list(key).push(o);
        else list(key).unshift(o);
      } else if ((tok[0] === "add" || tok[0] === "create") && tok[1] === "chain") {
        const key = chainKey(tok[2]!, tok[3]!, tok[4]!);
        list(key);
        if (/policy \w+/.test(line)) policies.set(key, origin);
      } else if (tok[0] === "table" && line.endsWith("{")) {
        table = tok.length > 3 ? [tok[1]!, tok[2]!] : ["ip", tok[1]!];
        depth = 1;
      }
      return;
    }
    if (depth === 1) {
      if (line === "}") {
        depth = 0;
        table = null;
      } else if (tok[0] === "chain" && line.endsWith("{") && table) {
        chain = chainKey(table[0], table[1], tok[1]!);
        list(chain);
        depth = 2;
      } else if (line.endsWith("{")) depth = 3; // set/map/flowtable block: no rules
      return;
    }
    if (depth === 3) {
      if (line.includes("}")) depth = 1;
      return;
    }
    if (line === "}") {
      depth = 1;
      chain = null;
    } else if (chain) {
      if (tok[0] === "type" || tok[0] === "policy") {
        if (/policy \w+/.test(line)) policies.set(chain, origin);
      } else if (tok[0] !== "comment" && tok[0] !== "devices") list(chain).push(origin);
    }
  });
}

export interface HandleInfo {
  index: number;
  origin: RuleOrigin | null;
}

export interface KernelRuleset {
  /** chainKey + NUL + handle */
  handles: Map<string, HandleInfo>;
  /** base chains: chainKey -> hook name (prerouting, input, ...) */
  hooks: Map<string, string>;
  /** chains whose rule count did not match the replay (their steps have no line) */
  unmapped: string[];
  /** base chain policies as loaded (the `:CHAIN POLICY` line) */
  policies: Map<string, RuleOrigin>;
}

interface NftJsonObj {
  rule?: { family: string; table: string; chain: string; handle: number };
  chain?: { family: string; table: string; name: string; hook?: string };
}

/** Joins `nft -j list ruleset` (what the kernel holds) with the replay of the loads. */
export function mapHandles(listJson: string, model: Replay): KernelRuleset {
  const data = (JSON.parse(listJson) as { nftables: NftJsonObj[] }).nftables;
  const order = new Map<string, number[]>();
  const hooks = new Map<string, string>();
  for (const o of data) {
    if (o.chain?.hook) hooks.set(chainKey(o.chain.family, o.chain.table, o.chain.name), o.chain.hook);
    if (o.rule) {
      const k = chainKey(o.rule.family, o.rule.table, o.rule.chain);
      let l = order.get(k);
      if (!l) order.set(k, (l = []));
      l.push(o.rule.handle);
    }
  }
  const handles = new Map<string, HandleInfo>();
  const unmapped: string[] = [];
  for (const [k, hs] of order) {
    const m = model.chains.get(k);
    const ok = m !== undefined && m.length === hs.length;
    if (!ok && !k.includes("dockwall_lab")) unmapped.push(k.replaceAll("\0", " "));
    hs.forEach((h, i) => handles.set(`${k}\0${h}`, { index: i + 1, origin: ok ? m[i]! : null }));
  }
  return { handles, hooks, unmapped, policies: model.policies };
}
