import { sqliteBackend } from "../helpers/backends.js";
import { runWorkflowScenarios } from "./workflows.case.js";

runWorkflowScenarios("sqlite", () => sqliteBackend());
