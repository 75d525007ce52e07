import { defineConfig } from "vitest/config";

/** Tests that stop and restart Redis/PostgreSQL, and the chaos runs: one file at a time, nothing else running. */
export default defineConfig({
  test: {
    include: ["test/outage/**/*.test.ts", "test/chaos/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
    passWithNoTests: true,
  },
});
