import { sqliteBackend } from "../helpers/backends.js";
import { runConcurrencyScenarios } from "./concurrency.case.js";

runConcurrencyScenarios(() => sqliteBackend());
