import { afterAll } from "vitest";
import { type PostgresTestBackend, postgresBackend } from "../helpers/postgres.js";
import { forServer } from "../helpers/servers.js";
import { runWorkflowScenarios } from "./workflows.case.js";

await forServer("postgres", "workflows with real processes (postgres)", () => {
  const backend: PostgresTestBackend = postgresBackend();
  // Registered before the scenarios' own afterAll, so it runs after it: the schema is dropped last.
  afterAll(() => backend.dropSchema());
  runWorkflowScenarios("postgres", () => backend);
});
