import { vi } from "vitest";
import { sqliteBackend } from "../helpers/backends.js";
import { runTaskApiScenarios } from "./task-api.case.js";

vi.setConfig({ testTimeout: 180_000 });
runTaskApiScenarios("sqlite", () => sqliteBackend());
