import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, type Cli } from "./cli-bundle.js";
import { fixturePath } from "./fixture.js";

let cli: Cli;
beforeAll(async () => {
  cli = await buildCli();
});
afterAll(() => cli?.dispose());

const DUP = fixturePath("lint/duplicate-rule/trigger.rules");
const CLEAN = fixturePath("lint/duplicate-rule/clean.rules");
const WIRED = fixturePath("lint/docker-user-not-wired/trigger.rules");

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "dockwall-lint-"));
}

describe("dockwall lint: exit codes and --fail-on", () => {
  it("exits 1 on a warning by default, and 0 when the threshold is above it", () => {
    expect(cli.run(["lint", DUP]).status).toBe(1);
    expect(cli.run(["lint", DUP, "--fail-on", "error"]).status).toBe(0);
    expect(cli.run(["lint", DUP, "--fail-on", "none"]).status).toBe(0);
    expect(cli.run(["lint", CLEAN]).status).toBe(0);
  });

  it("exits the same way whatever the format", () => {
    for (const format of ["text", "json", "sarif", "github"]) {
      expect(cli.run(["lint", DUP, "--format", format]).status, format).toBe(1);
      expect(cli.run(["lint", CLEAN, "--format", format]).status, format).toBe(0);
    }
  });

  it("exits 2 with FILE:LINE:COL and no stack trace on bad input, printing nothing on stdout", () => {
    const r = cli.run(["lint", "-"], { input: "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^<stdin>:3:\d+: error: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  it("exits 2 on a usage error", () => {
    expect(cli.run(["lint", DUP, "--format", "xml"]).status).toBe(2);
    expect(cli.run(["lint", "/nonexistent/rules.v4"]).stderr).toContain("no such file");
  });
});

describe("dockwall lint: input", () => {
  it("reads standard input by default and with -", () => {
    const text = readFileSync(DUP, "utf8");
    for (const args of [["lint"], ["lint", "-"]]) {
      const r = cli.run(args, { input: text });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain("<stdin>:10:1: warning DW202 duplicate-rule");
    }
  });

  it("lints several files at once", () => {
    const r = cli.run(["lint", DUP, WIRED, "--format", "json"]);
    const doc = JSON.parse(r.stdout);
    expect(new Set(doc.findings.map((f: { id: string }) => f.id))).toEqual(new Set(["DW202", "DW109"]));
    expect(doc.findings.find((f: { id: string }) => f.id === "DW109").location.file).toBe(WIRED);
  });

  it("prints no colour codes without a terminal, and colours with FORCE_COLOR", () => {
    expect(cli.run(["lint", DUP], { env: { NO_COLOR: "" } }).stdout).not.toContain("\u001b[");
    expect(cli.run(["lint", DUP], { env: { NO_COLOR: "", FORCE_COLOR: "1" } }).stdout).toContain("\u001b[");
    expect(cli.run(["lint", DUP], { env: { NO_COLOR: "1", FORCE_COLOR: "1" } }).stdout).not.toContain("\u001b[");
  });
});

describe("dockwall lint: config, suppressions, baseline", () => {
  it("finds .dockwall.json upward from the cwd and applies rules/ignore", () => {
    const dir = scratch();
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, ".dockwall.json"), JSON.stringify({ rules: { "duplicate-rule": "error" } }));
    const r = cli.run(["lint", DUP, "--format", "json"], { cwd: join(dir, "sub") });
    expect(JSON.parse(r.stdout).findings[0].severity).toBe("error");
    writeFileSync(join(dir, ".dockwall.json"), JSON.stringify({ ignore: [{ rule: "DW202", chain: "INPUT", reason: "known" }] }));
    const r2 = cli.run(["lint", DUP, "--format", "json"], { cwd: join(dir, "sub") });
    expect(r2.status).toBe(0);
    expect(JSON.parse(r2.stdout).suppressed[0].suppression).toEqual({ by: "config", reason: "known" });
    expect(cli.run(["lint", DUP, "--no-config"], { cwd: join(dir, "sub") }).status).toBe(1);
  });

  it("turns a rule off and sets failOn from the config", () => {
    const dir = scratch();
    const cfg = join(dir, "c.json");
    writeFileSync(cfg, JSON.stringify({ rules: { DW202: "off" } }));
    expect(cli.run(["lint", DUP, "--config", cfg, "--format", "json"]).stdout).toContain('"findings": []');
    writeFileSync(cfg, JSON.stringify({ failOn: "error" }));
    expect(cli.run(["lint", DUP, "--config", cfg]).status).toBe(0);
    expect(cli.run(["lint", DUP, "--config", cfg, "--fail-on", "warning"]).status).toBe(1);
  });

  it("rejects a bad config with exit 2 and a message naming the problem", () => {
    const dir = scratch();
    const cfg = join(dir, ".dockwall.json");
    for (const [content, msg] of [
      ['{"rules": {"DW999": "off"}}', 'unknown rule "DW999"'],
      ['{"rules": {"DW202": "loud"}}', 'must be "off", "error", "warning" or "info"'],
      ['{"ignores": []}', 'unknown key "ignores"'],
      ['{"ignore": [{"chain": "FORWARD"}]}', 'needs "rule"'],
      ['{"failOn": "warning",}', "not valid JSON"],
    ] as const) {
      writeFileSync(cfg, content);
      const r = cli.run(["lint", DUP], { cwd: dir });
      expect(r.status, content).toBe(2);
      expect(r.stderr, content).toContain(msg);
      expect(r.stderr).toContain(".dockwall.json");
      expect(r.stdout).toBe("");
    }
  });

  it("reports only findings a baseline does not hold, whatever their line numbers", () => {
    const dir = scratch();
    const base = join(dir, "baseline.json");
    const w = cli.run(["lint", DUP, "--write-baseline", base]);
    expect(w.status).toBe(0);
    expect(JSON.parse(readFileSync(base, "utf8")).findings).toHaveLength(1);
    expect(cli.run(["lint", DUP, "--baseline", base]).status).toBe(0);
    // the same ruleset with two lines inserted above, plus one new duplicate
    const moved = readFileSync(DUP, "utf8").replace("-A INPUT -i lo -j ACCEPT\n", "-A INPUT -i lo -j ACCEPT\n-A INPUT -p icmp -j ACCEPT\n-A INPUT -p icmp -j ACCEPT\n");
    const r = cli.run(["lint", "-", "--baseline", base, "--format", "json"], { input: moved });
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.map((f: { location: { line: number } }) => f.location.line)).toEqual([8]);
    expect(doc.summary.baselined).toBe(1);
  });

  it("honours a dockwall-ignore comment on the rule", () => {
    // both copies carry the comment, so they stay identical
    const both = readFileSync(DUP, "utf8").replaceAll(
      "-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -j ACCEPT\n",
      '-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -m comment --comment "dockwall-ignore DW202: kept on purpose" -j ACCEPT\n',
    );
    const r = cli.run(["lint", "-", "--format", "json"], { input: both });
    const doc = JSON.parse(r.stdout);
    expect(doc.findings).toEqual([]);
    expect(doc.suppressed).toHaveLength(1);
    expect(r.status).toBe(0);
  });
});

describe("dockwall rules / explain", () => {
  it("lists the catalogue", () => {
    const r = cli.run(["rules"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^DW109 {2}error {4}docker-user-not-wired/m);
    const list = JSON.parse(cli.run(["rules", "--format", "json"]).stdout);
    expect(list.map((x: { id: string }) => x.id)).toContain("DW205");
  });

  it("prints a docs page from the installed layout, by id or name", () => {
    const r = cli.run(["explain", "DW109"], { cwd: tmpdir() });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^# DW109 docker-user-not-wired\n/);
    expect(r.stdout).toContain("## How to fix it");
    expect(cli.run(["explain", "legacy-nft-split"]).stdout).toContain("# DW110");
    const bad = cli.run(["explain", "DW999"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown rule 'DW999'");
  });
});

describe("dockwall lint --fix-proofs", () => {
  const CLASSIC = fixturePath("classic-report.rules");
  const findings = (args: string[]) => JSON.parse(cli.run(["lint", CLASSIC, "--format", "json", ...args]).stdout).findings as { id: string; fixes: unknown[]; fixNote?: string }[];

  it("lists proved fixes by default, and says how to get them when the proof budget is spent", () => {
    const proved = findings([]).find((f) => f.id === "DW101")!;
    expect(proved.fixes.length).toBeGreaterThan(0);
    expect(proved.fixNote).toBeUndefined();
    const skipped = findings(["--fix-proofs", "0"]).find((f) => f.id === "DW101")!;
    expect(skipped.fixes).toEqual([]);
    expect(skipped.fixNote).toMatch(/dockwall fix --rule DW101 .*classic-report\.rules/);
  });

  it("refuses a --fix-proofs that is not a whole number", () => {
    const r = cli.run(["lint", CLASSIC, "--fix-proofs", "many"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--fix-proofs takes a whole number/);
  });
});
