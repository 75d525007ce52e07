import { afterAll, describe, it } from "vitest";
import { dropAppConnections, type PostgresTestBackend, postgresBackend } from "../helpers/postgres.js";
import { requireServer } from "../helpers/servers.js";
import { runRecoveryScenarios } from "./recovery.case.js";

const available = await requireServer("postgres");

if (available) {
  const backend: PostgresTestBackend = postgresBackend();
  // Registered before the scenarios' own afterAll, so it runs after it (after-hooks run in
  // reverse order): the app is purged and closed, then its schema is dropped.
  afterAll(() => backend.dropSchema());
  runRecoveryScenarios(() => backend, dropAppConnections);
} else {
  describe.skip("recovery with real processes (postgres) (skipped: PostgreSQL is not answering on 127.0.0.1:5432)", () => {
    it("needs a server", () => {});
  });
}
