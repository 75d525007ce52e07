import { sqliteBackend } from "../helpers/backends.js";
import { runTriggerScenarios } from "./triggers.case.js";

runTriggerScenarios("sqlite", () => sqliteBackend());
