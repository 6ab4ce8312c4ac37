// The kernel as the judge of the fixtures: each good fixture is loaded for real
// by iptables-restore (ip6tables-restore for .rules6) in a fresh network
// namespace, and what iptables-save prints back must be the fixture's own lines,
// in order, table by table (so the fixtures are exactly what iptables-save
// writes). Each bad fixture must be refused, unless its header says the kernel
// accepts it. The generated benchmark dumps (1k, 10k) go through the same check.
import { expect } from "vitest";
import { describeKernel, itKernel, runInNetns } from "../helpers/kernel.js";
import { generate } from "../../bench/gen.mjs";
import { badFixtures, goodFixtures, kernelText } from "./fixtures.js";

/** Table name -> its lines (comments dropped), from `*table` to COMMIT. */
function tables(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("*")) out.set(line.slice(1), (cur = []));
    if (cur && line && !line.startsWith("#")) cur.push(line);
    if (line === "COMMIT") cur = undefined;
  }
  return out;
}

function restoreAndSave(text: string, v6: boolean, counters: boolean) {
  const tool = v6 ? "ip6tables" : "iptables";
  const c = counters ? " -c" : "";
  // --test first (what the brief's CI would run), then for real, then save
  return runInNetns(`f=$(mktemp) && cat > "$f" && ${tool}-restore --test${c} < "$f" && ${tool}-restore${c} < "$f" && ${tool}-save${c}; s=$?; rm -f "$f"; exit $s`, {
    input: text,
  });
}

describeKernel("fixtures in the kernel", () => {
  for (const f of goodFixtures()) {
    itKernel(`${f.name} is accepted by ${f.family === "ipv6" ? "ip6tables" : "iptables"}-restore`, () => {
      const text = kernelText(f.text);
      const counters = /^\[\d+:\d+\] -A /m.test(text);
      const r = restoreAndSave(text, f.family === "ipv6", counters);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      if (/^-[NFXIPDRE] /m.test(text)) return; // a restore script: iptables-save prints the result, not the script
      const want = tables(text);
      const got = tables(r.stdout);
      for (const [name, lines] of want) expect(got.get(name), `table ${name}`).toEqual(lines);
    });
  }

  for (const f of badFixtures().filter((b) => b.kernel !== "skip")) {
    itKernel(`bad/${f.name} is ${f.kernel === "accepts" ? "accepted (see its header)" : "refused"} by iptables-restore`, () => {
      const r = runInNetns("iptables-restore", { input: f.text });
      if (f.kernel === "accepts") expect(r.status).toBe(0);
      else expect(r.status).not.toBe(0);
    });
  }

  for (const size of [1000, 10000]) {
    itKernel(`bench/gen.mjs ${size} is what iptables-save prints`, () => {
      const { text } = generate(size);
      const r = restoreAndSave(text, false, false);
      expect(r.status).toBe(0);
      const got = tables(r.stdout);
      for (const [name, lines] of tables(text)) expect(got.get(name), `table ${name}`).toEqual(lines);
    });
  }
});
