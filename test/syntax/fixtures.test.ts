// Every fixture parses, says what it should about itself, and every bad fixture
// fails with the error its header names, at the line and column it names.
import { describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { DumpError } from "../../src/syntax/build.js";
import type { Dump, Rule } from "../../src/syntax/ast.js";
import { badFixtures, goodFixtures } from "./fixtures.js";

const good = new Map(goodFixtures().map((f) => [f.name, f]));
const dumpOf = (name: string): Dump => parse(good.get(name)!.text, { file: name });
const rules = (d: Dump, table: string, chain: string): Rule[] => d.tables.get(table)?.chains.get(chain)?.rules ?? [];

describe("good fixtures", () => {
  it("are all there", () => {
    for (const n of ["classic-report.rules", "docker-20.10.rules", "docker-24-27.rules", "docker-28.rules", "docker-29.rules", "swarm-ingress.rules",
      "ufw-docker.rules", "firewalld-docker.rules", "kube-proxy-nodeports.rules", "podman-netavark.rules", "docker-28-ipv6.rules6",
      "legacy-warning.rules", "restore-style.rules", "counters.rules", "crlf-bom.rules"]) {
      expect(good.has(n), n).toBe(true);
    }
  });

  for (const f of goodFixtures()) {
    it(`${f.name} parses, with a header comment`, () => {
      expect(f.text.replace(/^\uFEFF/, "")).toMatch(new RegExp(`^# ${f.name.replace(".", "\\.")}: `));
      const d = parse(f.text, { file: f.name });
      expect(d.family).toBe(f.family);
      const unexpected = d.warnings.filter((w) => !(f.name === "crlf-bom.rules" && (w.code === "bom" || w.code === "crlf")));
      expect(unexpected).toEqual([]);
      let n = 0;
      for (const t of d.tables.values()) for (const c of t.chains.values()) n += c.rules.length;
      expect(n).toBeGreaterThan(5);
    });
  }

  it("classic-report: INPUT ends in DROP and Docker DNATs 443 to 172.17.0.2", () => {
    const d = dumpOf("classic-report.rules");
    const input = rules(d, "filter", "INPUT");
    expect(input.at(-1)!.target).toMatchObject({ name: "DROP", kind: "standard" });
    expect(input[2]!.src).toMatchObject({ addr: "172.16.0.0", prefix: 26 });
    const dnat = rules(d, "nat", "DOCKER").find((r) => r.target?.name === "DNAT")!;
    expect(dnat.target!.options).toMatchObject([{ name: "--to-destination", args: ["172.17.0.2:443"] }]);
    expect(dnat.inIface).toMatchObject({ neg: true, value: "docker0" });
    expect(dnat.span.line).toBe(d.source.split("\n").findIndex((l) => l.includes("DNAT --to-destination 172.17.0.2:443")) + 1);
  });

  it("docker-28-ipv6: IPv6 addresses, ! -s fe80::/10 and a bracketed DNAT", () => {
    const d = dumpOf("docker-28-ipv6.rules6");
    const dnat = rules(d, "nat", "DOCKER").find((r) => r.target?.name === "DNAT")!;
    expect(dnat.src).toMatchObject({ neg: true, addr: "fe80::", prefix: 10 });
    expect(dnat.target!.options[0]!.args).toEqual(["[fd00:1::2]:80"]);
    expect(rules(d, "filter", "INPUT").some((r) => r.proto?.value === "ipv6-icmp")).toBe(true);
  });

  it("legacy-warning: the trailing warning is recorded with its line", () => {
    const d = dumpOf("legacy-warning.rules");
    expect(d.legacyTablesWarning?.line).toBe(d.source.trimEnd().split("\n").length);
    expect(dumpOf("classic-report.rules").legacyTablesWarning).toBeUndefined();
  });

  it("restore-style: -N/-F/-X/-I/-P are applied in order", () => {
    const d = dumpOf("restore-style.rules");
    expect(d.isRestoreScript).toBe(true);
    const f = d.tables.get("filter")!;
    expect(f.chains.has("SCRATCH")).toBe(false);
    expect(f.chains.get("INPUT")!.policy).toBe("DROP");
    const du = rules(d, "filter", "DOCKER-USER");
    expect(du.map((r) => r.target!.name)).toEqual(["RETURN", "DROP", "RETURN"]);
    expect(du[0]!.matches[0]!.options[0]).toMatchObject({ name: "--ctstate", args: ["RELATED,ESTABLISHED"] });
    expect(dumpOf("classic-report.rules").isRestoreScript).toBe(false);
  });

  it("counters: rule and policy counters are kept", () => {
    const d = dumpOf("counters.rules");
    expect(d.tables.get("filter")!.chains.get("INPUT")!.counters).toEqual({ packets: "3182", bytes: "190920" });
    expect(rules(d, "filter", "INPUT")[1]!.counters).toEqual({ packets: "76211", bytes: "10288485" });
    expect(rules(d, "filter", "INPUT")[1]!.span.col).toBe(1);
  });

  it("crlf-bom: reads like the clean file, and warns twice", () => {
    const f = good.get("crlf-bom.rules")!;
    const d = parse(f.text, { file: f.name });
    expect(d.warnings.map((w) => w.code)).toEqual(["bom", "crlf"]);
    expect(d.warnings[1]!.span.line).toBe(1);
    const clean = parse(f.text.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n"));
    expect(clean.warnings).toEqual([]);
    const strip = (x: Dump) => JSON.stringify([...x.tables.values()].map((t) => [...t.chains.values()]));
    expect(strip(d)).toBe(strip(clean));
  });

  it("kube-proxy: tens of SVC/SEP chains, statistic and NodePorts", () => {
    const d = dumpOf("kube-proxy-nodeports.rules");
    const nat = d.tables.get("nat")!;
    expect([...nat.chains.keys()].filter((c) => c.startsWith("KUBE-SEP-")).length).toBeGreaterThan(10);
    expect(rules(d, "nat", "KUBE-NODEPORTS").length).toBeGreaterThan(0);
    const stat = [...nat.chains.values()].flatMap((c) => c.rules).find((r) => r.matches.some((m) => m.name === "statistic"))!;
    expect(stat.matches.find((m) => m.name === "statistic")!.options.map((o) => o.name)).toEqual(["--mode", "--probability"]);
  });
});

describe("bad fixtures", () => {
  for (const f of badFixtures()) {
    it(`${f.name}: ${f.line}:${f.col}: ${f.message}`, () => {
      let err: unknown;
      try {
        parse(f.text, { file: f.name });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DumpError);
      const first = (err as DumpError).diagnostics[0]!;
      expect(first.severity).toBe("error");
      expect(`${first.span.line}:${first.span.col}: ${first.message}`).toContain(`${f.line}:${f.col}: ${f.message}`);
    });
  }
});
