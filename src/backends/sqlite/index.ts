import { sqlitePath } from "../../config/resolve.js";
import type { EngineModule } from "../engine.js";
import { translatingErrors } from "../translate-errors.js";
import { SQLiteBroker } from "./broker.js";
import { SqliteDatabase, tablePrefix } from "./database.js";
import { sqliteBackendError } from "./errors.js";
import { SQLiteOrchestrator } from "./orchestrator.js";
import { SQLiteStateBackend } from "./state-backend.js";

/**
 * The three components share one connection per file per process (reference-counted). What
 * they throw for a full, read-only, locked or damaged file is a BackendError saying so.
 */
export const engine: EngineModule = {
  createOrchestrator: async (c) =>
    translatingErrors(
      new SQLiteOrchestrator(SqliteDatabase.acquire(sqlitePath(c)), tablePrefix(c.appId)),
      sqliteBackendError(sqlitePath(c)),
    ),
  createBroker: async (c) =>
    translatingErrors(
      new SQLiteBroker(SqliteDatabase.acquire(sqlitePath(c)), tablePrefix(c.appId)),
      sqliteBackendError(sqlitePath(c)),
    ),
  createStateBackend: async (c) =>
    translatingErrors(
      new SQLiteStateBackend(SqliteDatabase.acquire(sqlitePath(c)), tablePrefix(c.appId)),
      sqliteBackendError(sqlitePath(c)),
    ),
};
