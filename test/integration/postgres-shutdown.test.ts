import { afterAll } from "vitest";
import { type PostgresTestBackend, postgresBackend } from "../helpers/postgres.js";
import { forServer } from "../helpers/servers.js";
import { runShutdownScenarios } from "./graceful-shutdown.case.js";

await forServer("postgres", "graceful shutdown with real processes (postgres)", () => {
  const backend: PostgresTestBackend = postgresBackend();
  // Registered before the scenarios' own afterAll, so it runs after it: purge, close, then drop the schema.
  afterAll(() => backend.dropSchema());
  runShutdownScenarios("postgres", () => backend);
});
