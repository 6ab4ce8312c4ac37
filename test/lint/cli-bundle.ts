// Builds the CLI the way it ships (esbuild bundle) into a temporary directory
// laid out like the installed package (dist/cli.js + src/lint/rules/*/README.md),
// and runs it as a real process: real exit codes, stdin, stdout and stderr.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { REPO } from "./fixture.js";

export interface Cli {
  dir: string;
  entry: string;
  run(args: string[], opts?: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv }): { status: number | null; stdout: string; stderr: string };
  dispose(): void;
}

/** An empty value means "unset" here: chalk-style tools read FORCE_COLOR="" as a request. */
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !((k === "FORCE_COLOR" || k === "NO_COLOR") && v === "")) out[k] = v;
  return out;
}

export async function buildCli(): Promise<Cli> {
  const dir = mkdtempSync(join(tmpdir(), "dockwall-cli-"));
  const entry = join(dir, "dist", "cli.js");
  await build({
    entryPoints: [join(REPO, "src/cli/main.ts")],
    outfile: entry,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: "silent",
    define: { DOCKWALL_VERSION: JSON.stringify("0.0.0-test") },
  });
  // what package.json "files" ships next to dist/
  const rulesDir = join(REPO, "src/lint/rules");
  for (const name of readdirSync(rulesDir)) {
    mkdirSync(join(dir, "src/lint/rules", name), { recursive: true });
    cpSync(join(rulesDir, name, "README.md"), join(dir, "src/lint/rules", name, "README.md"));
  }
  return {
    dir,
    entry,
    run(args, opts = {}) {
      const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [entry, ...args], {
        input: opts.input ?? "",
        cwd: opts.cwd ?? REPO,
        encoding: "utf8",
        env: cleanEnv({ ...process.env, NO_COLOR: "1", ...opts.env }),
        timeout: 60_000,
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
