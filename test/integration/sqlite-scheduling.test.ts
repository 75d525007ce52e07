import { sqliteBackend } from "../helpers/backends.js";
import { runSchedulingScenarios } from "./scheduling.case.js";

runSchedulingScenarios("sqlite", () => sqliteBackend());
