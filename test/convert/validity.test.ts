// The kernel's own check of what dockwall writes: `nft -c -f` (parse, evaluate
// and a dry-run commit in the kernel) in a fresh network namespace, for every
// Docker golden dump (both families, with and without --docker), the fixtures,
// the torture rulesets and the 10k-rule kube-proxy + Docker bench dump.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { parse } from "../../src/extensions/index.js";
import { convertDump, convertInet } from "../../src/emit/nft.js";
import { dockerPlan } from "../../src/emit/nft-docker.js";
import type { Family } from "../../src/syntax/ast.js";
import { describeKernel, runInNetns } from "../helpers/kernel.js";
import { generate } from "../../bench/gen.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const golden = path.resolve(repo, "../shared/docker-golden/iptables");
const work = mkdtempSync(path.join(tmpdir(), "dockwall-nftc-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Input {
  name: string;
  text: string;
  family?: Family;
}

function inputs(): Input[] {
  const out: Input[] = [];
  let golds: string[] = [];
  try {
    golds = readdirSync(golden).filter((f) => f.endsWith(".golden"));
  } catch {
    console.warn(`[skip] docker golden dumps: ${golden} not found`);
  }
  for (const f of golds) out.push({ name: `golden/${f}`, text: readFileSync(path.join(golden, f), "utf8"), family: f.includes("ip6tables") ? "ipv6" : "ipv4" });
  for (const dir of ["fixtures/lab", "fixtures/convert"]) {
    let files: string[] = [];
    try {
      files = readdirSync(path.join(repo, dir));
    } catch {
      continue;
    }
    for (const f of files) out.push({ name: `${dir}/${f}`, text: readFileSync(path.join(repo, dir, f), "utf8"), ...(f.endsWith("6") ? { family: "ipv6" as const } : {}) });
  }
  for (const f of ["torture.v4", "torture.v6"]) out.push({ name: `test/extensions/${f}`, text: readFileSync(path.join(repo, "test/extensions", f), "utf8"), family: f.endsWith("6") ? "ipv6" : "ipv4" });
  out.push({ name: "bench 10k (bench/gen.mjs 10000)", text: (generate(10000) as { text: string }).text });
  return out;
}

/** Writes each translation to a file and runs `nft -c -f` on all of them in one namespace. */
function nftCheck(files: { name: string; text: string }[]): Map<string, string> {
  const paths = files.map((f, i) => {
    const p = path.join(work, `${i}.nft`);
    writeFileSync(p, f.text);
    return p;
  });
  const script = `for f in ${paths.map((p) => `'${p}'`).join(" ")}; do nft -c -f "$f" 2>"$f.err" || echo "FAIL $f"; done; true`;
  const r = runInNetns(script, { timeoutMs: 600_000 });
  if (r.status !== 0) throw new Error(`nft -c batch failed: ${r.stderr}`);
  const failed = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const m = /^FAIL (.*)$/.exec(line);
    if (m) failed.set(files[paths.indexOf(m[1]!)]!.name, readFileSync(`${m[1]}.err`, "utf8"));
  }
  return failed;
}

/**
 * nft errors this machine's kernel causes, not the script: `queue` needs the
 * nft_queue module, which this kernel does not ship (iptables' NFQUEUE uses xt_NFQUEUE).
 */
function onlyMissingKernelModules(err: string): boolean {
  const errors = err.split("\n").filter((l) => /: Error: /.test(l));
  return errors.length > 0 && errors.every((l) => /Could not process rule: No such file or directory/.test(l)) && err.split("\n").filter((l) => /^\s+\S/.test(l) && !/^\s+\^/.test(l)).every((l) => /\bqueue\b/.test(l));
}

describeKernel("nft -c accepts dockwall's translations", () => {
  const all = inputs();
  const translated: { name: string; text: string }[] = [];
  for (const i of all) {
    const d = parse(i.text, { file: i.name, ...(i.family ? { family: i.family } : {}) });
    translated.push({ name: i.name, text: convertDump(d).text });
    if (i.name.startsWith("golden/") || i.name.startsWith("fixtures/")) translated.push({ name: `${i.name} --docker`, text: convertDump(d, { plan: dockerPlan(d) }).text });
  }
  // --family inet with both dumps of a golden layout (same name, __iptables and __ip6tables)
  for (const i of all) {
    if (!i.name.startsWith("golden/") || !i.name.includes("__iptables")) continue;
    const v6 = all.find((x) => x.name === i.name.replace("__iptables", "__ip6tables"));
    if (!v6) continue;
    const parts = [i, v6].map((x) => parse(x.text, { file: x.name, family: x.family! }));
    translated.push({ name: `${i.name} + ip6tables --family inet`, text: convertInet(parts.map((dump) => ({ dump }))).text });
    translated.push({ name: `${i.name} + ip6tables --family inet --docker`, text: convertInet(parts.map((dump) => ({ dump, plan: dockerPlan(dump) }))).text });
  }

  it(`loads every translation (${translated.length} scripts) in a fresh namespace`, () => {
    const failed = nftCheck(translated);
    const real = [...failed].filter(([, err]) => !onlyMissingKernelModules(err));
    expect(real.map(([name, err]) => `${name}\n${err}`)).toEqual([]);
    // the only tolerated failures are queue statements in the torture rulesets
    expect([...failed.keys()].every((n) => n.startsWith("test/extensions/torture"))).toBe(true);
    expect(translated.filter((t) => t.name.startsWith("golden/")).length).toBeGreaterThanOrEqual(all.some((i) => i.name.startsWith("golden/")) ? 2 * 284 : 0);
  }, 600_000);
});
