// vitest globalSetup: builds dist/cli.js once per run, so CLI tests spawn the
// bundle users run. A failed build does not stop the other tests: CLI tests read
// the error through inject("cliBuild") and fail with it.
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    cliBuild: { entry: string; error?: string };
  }
}

export default async function setup(project: TestProject) {
  // @ts-expect-error build.mjs is plain JavaScript
  const { buildCli } = (await import("../../build.mjs")) as { buildCli: () => Promise<string> };
  try {
    project.provide("cliBuild", { entry: await buildCli() });
  } catch (e) {
    project.provide("cliBuild", { entry: "", error: (e as Error).message });
  }
}
