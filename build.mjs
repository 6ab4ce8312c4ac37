// One bundled entry point: loading chevrotain's many ESM files costs ~0.34 s per
// run, a bundle ~0.01 s (shared/reference/perf-notes.md), and the CLI runs on every commit.
//   node build.mjs          writes dist/cli.js (+ .map)
// The test setup (test/setup/build-cli.ts) calls buildCli() the same way.
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = dirname(fileURLToPath(import.meta.url));

/** Bundles src/cli/main.ts to `outfile`; writes a temporary file and renames it, so a running CLI never reads half a bundle. */
export async function buildCli(outfile = join(ROOT, "dist", "cli.js")) {
  const tmp = `${outfile}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(ROOT, "src/cli/main.ts")],
    outfile: tmp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: "warning",
    define: { DOCKWALL_VERSION: JSON.stringify(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version) },
  });
  renameSync(`${tmp}.map`, `${outfile}.map`);
  // the bundle names its map by the temporary file name
  const code = readFileSync(tmp, "utf8").replace(/\/\/# sourceMappingURL=\S+\s*$/, `//# sourceMappingURL=${outfile.split("/").pop()}.map\n`);
  writeFileSync(tmp, code);
  chmodSync(tmp, 0o755);
  renameSync(tmp, outfile);
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
