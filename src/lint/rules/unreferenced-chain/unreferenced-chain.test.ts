import { describe, expect, it } from "vitest";
import { dumpOf, findings, loadDump } from "../../../../test/lint/fixture.js";
import { unreferencedChain } from "./index.js";

describe("DW204 unreferenced-chain", () => {
  it("reports a user chain nothing jumps to, at its declaration", () => {
    const fs = findings(unreferencedChain, loadDump("lint/unreferenced-chain/trigger.rules"));
    expect(fs.map((f) => [f.chain, f.location.line, f.severity])).toEqual([["admin-hosts", 7, "info"]]);
  });

  it("is quiet once a chain is jumped to, and never reports Docker's chains", () => {
    expect(findings(unreferencedChain, loadDump("lint/unreferenced-chain/clean.rules"))).toEqual([]);
  });

  it("does not count a chain's jump to itself", () => {
    const d = dumpOf("*filter\n:loop - [0:0]\n-A loop -j loop\nCOMMIT\n");
    expect(findings(unreferencedChain, d)).toHaveLength(1);
  });
});
