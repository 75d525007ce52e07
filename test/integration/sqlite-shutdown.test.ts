import { sqliteBackend } from "../helpers/backends.js";
import { runShutdownScenarios } from "./graceful-shutdown.case.js";

runShutdownScenarios("sqlite", () => sqliteBackend());
