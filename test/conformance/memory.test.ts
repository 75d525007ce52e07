import { createComponents } from "../../src/backends/registry.js";
import { defaultConfig } from "../../src/config/schema.js";
import { runBackendConformance } from "./backend.case.js";

runBackendConformance({
  name: "memory",
  create: (appId) => createComponents({ ...defaultConfig(), appId, backend: "memory" }),
  skip: [
    {
      reason: "one process: every runner lives and dies with the caller, so there is no session to hold",
      tests: ["a runner's session is open while it holds it and closed once released"],
    },
  ],
});
