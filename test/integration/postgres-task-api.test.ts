import { afterAll, describe, it, vi } from "vitest";
import { type PostgresTestBackend, postgresBackend } from "../helpers/postgres.js";
import { requireServer } from "../helpers/servers.js";
import { runTaskApiScenarios } from "./task-api.case.js";

vi.setConfig({ testTimeout: 180_000 });
if (await requireServer("postgres")) {
  const backend: PostgresTestBackend = postgresBackend();
  // Registered before the scenarios' own afterAll, so it runs after it: purge, close, then drop.
  afterAll(() => backend.dropSchema());
  runTaskApiScenarios("postgres", () => backend);
} else {
  describe.skip("task API with real processes (postgres) (skipped: PostgreSQL is not answering on 127.0.0.1:5432)", () => {
    it("needs a server", () => {});
  });
}
