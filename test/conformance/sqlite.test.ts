import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createComponents } from "../../src/backends/registry.js";
import { defaultConfig } from "../../src/config/schema.js";
import { runBackendConformance } from "./backend.case.js";

const dir = mkdtempSync(join(tmpdir(), "nenc-conf-"));

runBackendConformance({
  name: "sqlite",
  create: (appId) =>
    createComponents({ ...defaultConfig(), appId, backend: "sqlite", sqliteDbPath: join(dir, "conformance.sqlite") }),
});
