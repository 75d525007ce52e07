import { afterAll, describe, it } from "vitest";
import { type PostgresTestBackend, postgresBackend } from "../helpers/postgres.js";
import { requireServer } from "../helpers/servers.js";
import { runShutdownScenarios } from "./graceful-shutdown.case.js";

const available = await requireServer("postgres");

if (available) {
  const backend: PostgresTestBackend = postgresBackend();
  // Registered before the scenarios' own afterAll, so it runs after it: purge, close, then drop the schema.
  afterAll(() => backend.dropSchema());
  runShutdownScenarios("postgres", () => backend);
} else {
  describe.skip("graceful shutdown with real processes (postgres) (skipped: PostgreSQL is not answering on 127.0.0.1:5432)", () => {
    it("needs a server", () => {});
  });
}
