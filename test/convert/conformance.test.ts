// netfilter's own translation suite as a conformance check (see txlate.ts and
// txlate-differences.md). Skips, saying why, when ../shared is not there.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CASES_FILE, runSuite, sharedPresent } from "./txlate.js";

/** Identical cases when this was last recorded; the test fails below it. */
const RECORDED_PASS = 352;

const differencesDoc = readFileSync(new URL("./txlate-differences.md", import.meta.url), "utf8");
/** `libxt_cluster.txlate:1, 4, 7` lists several lines of one file. */
function documentedIds(): Set<string> {
  const ids = new Set<string>();
  for (const m of differencesDoc.matchAll(/\b(\w+\.txlate):(\d+(?:,\s*\d+)*)/g)) for (const n of m[2]!.split(/,\s*/)) ids.add(`${m[1]}:${n.trim()}`);
  return ids;
}

if (!sharedPresent) console.warn(`[skip] txlate conformance: ${CASES_FILE} not found`);

describe.skipIf(!sharedPresent)("netfilter's txlate suite (ip and ip6)", () => {
  const outcomes = sharedPresent ? runSuite() : [];

  it("runs every active iptables-translate and ip6tables-translate case", () => {
    expect(outcomes.length).toBe(378);
  });

  it(`translates at least ${RECORDED_PASS} cases to the identical nft text`, () => {
    const pass = outcomes.filter((o) => o.ok).length;
    console.log(`txlate conformance: ${pass}/${outcomes.length} identical (${((100 * pass) / outcomes.length).toFixed(1)}%)`);
    expect(pass).toBeGreaterThanOrEqual(RECORDED_PASS);
  });

  it("lists every remaining difference, and only those, in txlate-differences.md", () => {
    const failing = new Set(outcomes.filter((o) => !o.ok).map((o) => o.c.id));
    const documented = documentedIds();
    expect([...failing].filter((id) => !documented.has(id))).toEqual([]);
    expect([...documented].filter((id) => !failing.has(id))).toEqual([]);
  });

  it("gets the traps of 1.8.9 right, case by case", () => {
    const got = (id: string) => outcomes.find((o) => o.c.id === id)!;
    // a full range that is not negated still needs the protocol; negated it matches nothing
    expect(got("libxt_tcp.txlate:34").ok).toBe(true);
    expect(got("libxt_tcp.txlate:37").ok).toBe(true);
    expect(got("libxt_udp.txlate:16").ok).toBe(true);
    // the NAT port with no protocol match printed
    expect(got("libxt_DNAT.txlate:25").ok).toBe(true);
  });
});
