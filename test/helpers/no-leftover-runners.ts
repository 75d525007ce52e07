import { afterAll, expect } from "vitest";
import { runningRunners } from "../../src/runners/parent/runner.js";

// Like graphile-worker's check for worker pools: a test file that leaves an in-process runner
// (and its heartbeat thread and recovery crons) running fails. Runner processes are killed by
// killAllRunners() in the tests that spawn them.
afterAll(() => {
  const left = [...runningRunners()].map((r) => r.kind);
  expect(left, "runners left running by this test file: stop them in afterAll").toEqual([]);
});
