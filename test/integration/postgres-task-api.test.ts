import { afterAll, vi } from "vitest";
import { type PostgresTestBackend, postgresBackend } from "../helpers/postgres.js";
import { forServer } from "../helpers/servers.js";
import { runTaskApiScenarios } from "./task-api.case.js";

vi.setConfig({ testTimeout: 180_000 });
await forServer("postgres", "task API with real processes (postgres)", () => {
  const backend: PostgresTestBackend = postgresBackend();
  // Registered before the scenarios' own afterAll, so it runs after it: purge, close, then drop.
  afterAll(() => backend.dropSchema());
  runTaskApiScenarios("postgres", () => backend);
});
