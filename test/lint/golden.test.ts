// Precision on Docker's own rules: lint every iptables-save dump Docker's
// bridge driver produces (moby's golden files, in ../shared) and compare the
// error- and warning-level DW1xx findings with the committed expectations,
// each of which says why that configuration really is exposed.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { lint } from "../../src/lint/run.js";

const DIR = fileURLToPath(new URL("../../../shared/docker-golden/iptables", import.meta.url));
const EXPECTED: { file: string; id: string; reason: string }[] = JSON.parse(
  readFileSync(fileURLToPath(new URL("./golden-expectations.json", import.meta.url)), "utf8"),
).expected;

describe.skipIf(!existsSync(DIR))("Docker's golden rulesets (../shared/docker-golden)", () => {
  it("raise only the documented DW1xx errors and warnings", () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith(".golden"));
    expect(files.length).toBeGreaterThan(200);
    const got: string[] = [];
    for (const f of files) {
      const dump = parse(readFileSync(`${DIR}/${f}`, "utf8"), { file: f, family: f.includes("__ip6tables") ? "ipv6" : "ipv4" });
      for (const finding of lint([{ dump }]).findings) {
        if (finding.id.startsWith("DW1") && finding.severity !== "info") got.push(`${f} ${finding.id}`);
      }
    }
    const want = EXPECTED.map((e) => `${e.file} ${e.id}`);
    expect(got.sort()).toEqual(want.sort());
    expect(got.some((g) => / DW1\d\d$/.test(g) && EXPECTED.find((e) => `${e.file} ${e.id}` === g && !e.reason))).toBe(false);
  }, 600_000);
});
