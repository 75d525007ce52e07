import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createComponents } from "../../src/backends/registry.js";
import { defaultConfig } from "../../src/config/schema.js";
import { IN_PROCESS_ENGINE_SKIPS, runBackendConformance } from "./backend.case.js";

const dir = mkdtempSync(join(tmpdir(), "nenc-conf-"));

runBackendConformance({
  name: "sqlite",
  create: (appId) =>
    createComponents({ ...defaultConfig(), appId, backend: "sqlite", sqliteDbPath: join(dir, "conformance.sqlite") }),
  skip: [
    ...IN_PROCESS_ENGINE_SKIPS,
    {
      reason:
        "one host, no server sessions: the recovery pass checks a same-host runner's process (pid and start time) instead (test/integration/recovery.case.ts)",
      tests: ["a runner's session is open while it holds it and closed once released"],
    },
  ],
});
