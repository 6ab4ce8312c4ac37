// One bundled entry point: loading chevrotain's many ESM files costs ~0.34 s per
// run, a bundle ~0.01 s (shared/reference/perf-notes.md), and the CLI runs on every commit.
import { build } from "esbuild";
await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
  define: { DOCKWALL_VERSION: JSON.stringify(JSON.parse((await import("node:fs")).readFileSync("package.json", "utf8")).version) },
});
