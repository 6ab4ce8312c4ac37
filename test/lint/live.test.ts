// `dockwall lint --live` and suppression comments, against the real kernel in
// a private network namespace (never the machine's own firewall).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect } from "vitest";
import { describeKernel, itKernel, runInNetns } from "../helpers/kernel.js";
import { buildCli, type Cli } from "./cli-bundle.js";
import { fixturePath } from "./fixture.js";

let cli: Cli | undefined;

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

describeKernel("lint against the kernel", () => {
  beforeAll(async () => {
    cli = await buildCli();
  });
  afterAll(() => cli?.dispose());

  itKernel("--live reads both families through the save tools, read-only", () => {
    const v4 = readFileSync(fixturePath("lint/docker-user-not-wired/trigger.rules"), "utf8");
    const v6 = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n";
    const script = [
      `printf '%s' ${q(v4)} | iptables-restore`,
      `printf '%s' ${q(v6)} | ip6tables-restore`,
      // the header carries a timestamp: compare the rules only
      "iptables-save | grep -v '^#' > /tmp/before.$$",
      `${q(process.execPath)} ${q(cli!.entry)} lint --live --format json; echo "exit=$?"`,
      "iptables-save | grep -v '^#' | diff -q /tmp/before.$$ - >/dev/null && echo unchanged; rm -f /tmp/before.$$",
    ].join("\n");
    const r = runInNetns(script);
    expect(r.stderr).not.toMatch(/internal error/);
    const json = r.stdout.slice(0, r.stdout.lastIndexOf("exit="));
    const doc = JSON.parse(json);
    const byFile = doc.findings.map((f: { id: string; location: { file: string } }) => `${f.location.file} ${f.id}`).sort();
    expect(byFile).toEqual(["ip6tables-save DW202", "iptables-save DW109"]);
    expect(r.stdout).toContain("exit=1");
    expect(r.stdout).toContain("unchanged");
  });

  itKernel("--live also reads iptables-legacy-save when iptables-save warns of legacy tables", () => {
    const nft = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n";
    const legacy = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 23 -j DROP\n-A INPUT -p tcp -m tcp --dport 23 -j DROP\nCOMMIT\n";
    const script = [
      "command -v iptables-legacy-restore >/dev/null || { echo no-legacy; exit 0; }",
      `printf '%s' ${q(nft)} | iptables-restore`,
      `printf '%s' ${q(legacy)} | iptables-legacy-restore`,
      `${q(process.execPath)} ${q(cli!.entry)} lint --live --format json`,
    ].join("\n");
    const r = runInNetns(script);
    if (r.stdout.trim() === "no-legacy") {
      if (process.env.CI === "true") throw new Error("iptables-legacy-restore is missing");
      console.warn("[skip] legacy part: iptables-legacy-restore not installed");
      return;
    }
    const doc = JSON.parse(r.stdout);
    const byFile = doc.findings.map((f: { id: string; location: { file: string } }) => `${f.location.file} ${f.id}`).sort();
    expect(byFile).toEqual(["iptables-legacy-save DW202", "iptables-save DW110"]);
  });

  itKernel("a dockwall-ignore comment survives iptables-restore and iptables-save", () => {
    const dump = readFileSync(fixturePath("lint/docker-user-not-wired/trigger.rules"), "utf8").replace(
      "-A DOCKER-USER -i eth0 ! -s 192.0.2.0/24 -j DROP",
      '-A DOCKER-USER -i eth0 ! -s 192.0.2.0/24 -m comment --comment "dockwall-ignore DW109: wired by our VPN script" -j DROP',
    );
    const r = runInNetns(`printf '%s' ${q(dump)} | iptables-restore && iptables-save`);
    expect(r.status).toBe(0);
    const res = cli!.run(["lint", "--format", "json"], { input: r.stdout });
    const doc = JSON.parse(res.stdout);
    expect(doc.findings).toEqual([]);
    expect(doc.suppressed.map((s: { id: string; suppression: unknown }) => [s.id, s.suppression])).toEqual([
      ["DW109", { by: "comment", reason: "wired by our VPN script" }],
    ]);
    expect(res.status).toBe(0);
  });
});
