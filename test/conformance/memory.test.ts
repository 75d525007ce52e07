import { createComponents } from "../../src/backends/registry.js";
import { defaultConfig } from "../../src/config/schema.js";
import { IN_PROCESS_ENGINE_SKIPS, runBackendConformance } from "./backend.case.js";

runBackendConformance({
  name: "memory",
  create: (appId) => createComponents({ ...defaultConfig(), appId, backend: "memory" }),
  skip: [
    ...IN_PROCESS_ENGINE_SKIPS,
    {
      reason: "one process: every runner lives and dies with the caller, so there is no session to hold",
      tests: ["a runner's session is open while it holds it and closed once released"],
    },
  ],
});
