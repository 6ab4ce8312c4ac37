// `dockwall parse` end to end: the bundle (built by test/setup/build-cli.ts) run
// as a real process, with real stdin, stdout, stderr and exit codes.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { badFixtures, FIXTURES, REPO } from "../syntax/fixtures.js";

let entry = "";
beforeAll(() => {
  const b = inject("cliBuild");
  if (b.error) throw new Error(`building dist/cli.js failed: ${b.error}`);
  entry = b.entry;
});

function run(args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [entry, ...args], {
    cwd: REPO,
    input: opts.input ?? "",
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "", ...opts.env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const classic = join(FIXTURES, "classic-report.rules");
const ESC = "\u001b[";

describe("dockwall parse", () => {
  it("prints the canonical dump of a file", () => {
    const r = run(["parse", classic]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\*filter\n:INPUT ACCEPT \[0:0\]\n/);
    expect(r.stdout).toContain("\n-A INPUT -s 172.16.0.0/26 -p tcp -m tcp --dport 443 -j ACCEPT\n");
    expect(r.stdout).toContain("\n-A DOCKER ! -i docker0 -p tcp -m tcp --dport 443 -j DNAT --to-destination 172.17.0.2:443\n");
    expect(r.stdout.endsWith("COMMIT\n")).toBe(true);
  });

  it("reads standard input with no file and with '-'", () => {
    const text = readFileSync(classic, "utf8");
    const a = run(["parse"], { input: text });
    const b = run(["parse", "-"], { input: text });
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(run(["parse", classic]).stdout);
    expect(b.stdout).toBe(a.stdout);
  });

  it("is idempotent: its output parses to the same output", () => {
    const once = run(["parse", join(FIXTURES, "kube-proxy-nodeports.rules")]);
    const twice = run(["parse"], { input: once.stdout });
    expect(twice.status).toBe(0);
    expect(twice.stdout).toBe(once.stdout);
  });

  it("--format json prints the AST with spans", () => {
    const r = run(["parse", classic, "--format", "json"]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.version).toBe(1);
    expect(j.family).toBe("ipv4");
    const input = j.tables.find((t: { name: string }) => t.name === "filter").chains.find((c: { name: string }) => c.name === "INPUT");
    expect(input.rules.at(-1).target).toMatchObject({ name: "DROP", kind: "standard" });
    const line = readFileSync(classic, "utf8").split("\n").indexOf("-A INPUT -i lo -j ACCEPT") + 1;
    expect(input.rules[0].span).toEqual({ line, col: 1, endCol: 25 });
  });

  it("--check prints nothing and exits 0 on a good dump", () => {
    const r = run(["parse", "--check", classic]);
    expect(r).toEqual({ status: 0, stdout: "", stderr: "" });
  });

  it("--check refuses output options", () => {
    const r = run(["parse", "--check", "--format", "json", classic]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dockwall: error: --check prints nothing/);
  });

  it("--table reads a grep-filtered fragment, with a warning", () => {
    const frag = readFileSync(classic, "utf8").split("\n").filter((l) => l.startsWith("-A") && l.includes("DNAT")).join("\n") + "\n";
    const r = run(["parse", "--table", "nat"], { input: frag });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("*nat\n");
    expect(r.stdout).toContain(":DOCKER - [0:0]\n");
    expect(r.stderr).toMatch(/^<stdin>:1:1: warning: no `\*table` line: reading this fragment as table 'nat'/);
    const without = run(["parse"], { input: frag });
    expect(without.status).toBe(2);
    expect(without.stderr).toContain("--table");
  });

  it("warnings go to stderr and keep exit code 0", () => {
    const r = run(["parse"], { input: "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m nosuchmodule --foo 1 -j ACCEPT\n-A INPUT -m nosuchmodule --foo 2 -j ACCEPT\nCOMMIT\n" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("-A INPUT -m nosuchmodule --foo 1 -j ACCEPT\n");
    expect(r.stderr).toBe(
      "<stdin>:3:13: warning: unknown match module 'nosuchmodule': kept verbatim, but dockwall cannot say what it matches (1 more rule uses it)\n" +
        "  -A INPUT -m nosuchmodule --foo 1 -j ACCEPT\n" +
        "              ^^^^^^^^^^^^\n",
    );
  });

  it("--help shows examples, --version the package version", () => {
    const h = run(["parse", "--help"]);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain("Examples:");
    expect(h.stdout).toContain("dockwall parse --check");
    const top = run(["--help"]);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/parse \[options\] \[file\]/);
    const v = run(["--version"]);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version);
  });

  it("usage mistakes exit 2 without a stack trace", () => {
    for (const args of [["parse", "nope/missing.rules"], ["parse", "fixtures"], ["parse", "--format", "xml", classic], ["parse", "--bogus"]]) {
      const r = run(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(run(["parse", "nope/missing.rules"]).stderr).toBe("dockwall: error: nope/missing.rules: no such file\n");
  });

  it("colours diagnostics only when asked", () => {
    const input = "*filter\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n";
    expect(run(["parse"], { input }).stderr).not.toContain(ESC);
    const c = run(["parse"], { input, env: { NO_COLOR: "", FORCE_COLOR: "1" } });
    expect(c.status).toBe(2);
    expect(c.stderr).toContain(ESC);
  });

  for (const f of badFixtures()) {
    it(`bad/${f.name}: exit 2, FILE:LINE:COL: error: and a code frame, nothing on stdout`, () => {
      const rel = `fixtures/bad/${f.name}`;
      const r = run(["parse", rel]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      const [head, text, caret] = r.stderr.split("\n");
      expect(head).toContain(`${rel}:${f.line}:${f.col}: error: ${f.message}`);
      expect(text).toBe("  " + f.text.split("\n")[f.line - 1]!.replace(/\r$/, ""));
      expect(caret).toMatch(new RegExp(`^  ${" ".repeat(f.col - 1)}\\^+$`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});
