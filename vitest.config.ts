import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests that restart a database server, and the chaos runs, run alone after everything else
    // (vitest.outage.config.ts).
    exclude: ["test/outage/**", "test/chaos/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    setupFiles: ["test/helpers/no-leftover-runners.ts"],
    // Integration tests spawn processes; keep the machine (2 cores) from oversubscribing.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
