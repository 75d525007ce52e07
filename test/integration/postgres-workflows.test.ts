import { afterAll, describe, it } from "vitest";
import { type PostgresTestBackend, postgresBackend } from "../helpers/postgres.js";
import { requireServer } from "../helpers/servers.js";
import { runWorkflowScenarios } from "./workflows.case.js";

if (await requireServer("postgres")) {
  const backend: PostgresTestBackend = postgresBackend();
  // Registered before the scenarios' own afterAll, so it runs after it: the schema is dropped last.
  afterAll(() => backend.dropSchema());
  runWorkflowScenarios("postgres", () => backend);
} else {
  describe.skip("workflows with real processes (postgres) (skipped: PostgreSQL is not answering on 127.0.0.1:5432)", () => {
    it("needs a server", () => {});
  });
}
