import { afterAll } from "vitest";
import { createComponents } from "../../src/backends/registry.js";
import { defaultConfig } from "../../src/config/schema.js";
import { dropSchemas, POSTGRES_TEST_URL } from "../helpers/postgres.js";
import { forServer } from "../helpers/servers.js";
import { runBackendConformance } from "./backend.case.js";

await forServer("postgres", "backend conformance: postgres", () => {
  // Every test uses fresh app ids, so fresh schemas; drop them all when the file ends.
  const appIds = new Set<string>();
  afterAll(() => dropSchemas(appIds));

  runBackendConformance({
    name: "postgres",
    create: (appId) => {
      appIds.add(appId);
      return createComponents({ ...defaultConfig(), appId, backend: "postgres", postgresUrl: POSTGRES_TEST_URL });
    },
  });
});
