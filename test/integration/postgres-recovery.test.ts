import { afterAll } from "vitest";
import { dropAppConnections, type PostgresTestBackend, postgresBackend } from "../helpers/postgres.js";
import { forServer } from "../helpers/servers.js";
import { runRecoveryScenarios } from "./recovery.case.js";

await forServer("postgres", "recovery with real processes (postgres)", () => {
  const backend: PostgresTestBackend = postgresBackend();
  // Registered before the scenarios' own afterAll, so it runs after it (after-hooks run in
  // reverse order): the app is purged and closed, then its schema is dropped.
  afterAll(() => backend.dropSchema());
  runRecoveryScenarios(() => backend, dropAppConnections);
});
