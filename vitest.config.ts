import { defineConfig } from "vitest/config";
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // builds dist/cli.js once for the tests that spawn it (test/cli/)
    globalSetup: ["test/setup/build-cli.ts"],
  },
});
