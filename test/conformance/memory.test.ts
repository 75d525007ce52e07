import { createComponents } from "../../src/backends/registry.js";
import { defaultConfig } from "../../src/config/schema.js";
import { runBackendConformance } from "./backend.case.js";

runBackendConformance({
  name: "memory",
  create: (appId) => createComponents({ ...defaultConfig(), appId, backend: "memory" }),
  skip: [
    {
      reason: "no AtomicClaimer: its claims say nothing of the queues, and its runners look before each wait",
      tests: [
        "a wait after a claim that found the queues empty wakes for new work, for a due delayed id, and at once after a route since",
      ],
    },
    {
      reason:
        "its change signal names no statuses, so a wait for final ones wakes for every change (the contract allows it)",
      tests: ["waitForChange with finalOnly is not woken by a claim or a start"],
    },
    {
      reason: "one process: every runner lives and dies with the caller, so there is no session to hold",
      tests: ["a runner's session is open while it holds it and closed once released"],
    },
  ],
});
