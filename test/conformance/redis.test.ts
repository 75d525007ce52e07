import { createComponents } from "../../src/backends/registry.js";
import { defaultConfig } from "../../src/config/schema.js";
import { forServer } from "../helpers/servers.js";
import { runBackendConformance } from "./backend.case.js";

// With CI=true a missing server fails here; on a laptop the suite is skipped with the reason.
await forServer("redis", "backend conformance: redis", () => {
  runBackendConformance({
    name: "redis",
    create: (appId) => createComponents({ ...defaultConfig(), appId, backend: "redis" }),
  });
});
