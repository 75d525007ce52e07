import { sqliteBackend } from "../helpers/backends.js";
import { runRecoveryScenarios } from "./recovery.case.js";

runRecoveryScenarios(() => sqliteBackend());
