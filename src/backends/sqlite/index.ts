import { sqlitePath } from "../../config/resolve.js";
import type { NencConfig } from "../../config/schema.js";
import type { EngineModule } from "../engine.js";
import { translatingErrors } from "../translate-errors.js";
import { SQLiteBroker } from "./broker.js";
import { SqliteDatabase, tablePrefix } from "./database.js";
import { sqliteBackendError } from "./errors.js";
import { SQLiteOrchestrator } from "./orchestrator.js";
import { SQLiteStateBackend } from "./state-backend.js";

/**
 * A component on the app's file: the three share one connection per file per process
 * (reference-counted); what they throw for a full, read-only, locked or damaged file is a
 * BackendError saying so.
 */
function onFile<T extends object>(c: NencConfig, make: (db: SqliteDatabase, prefix: string) => T): T {
  const path = sqlitePath(c);
  return translatingErrors(make(SqliteDatabase.acquire(path), tablePrefix(c.appId)), sqliteBackendError(path));
}

export const engine: EngineModule = {
  createOrchestrator: async (c) => onFile(c, (db, p) => new SQLiteOrchestrator(db, p)),
  createBroker: async (c) => onFile(c, (db, p) => new SQLiteBroker(db, p)),
  createStateBackend: async (c) => onFile(c, (db, p) => new SQLiteStateBackend(db, p)),
};
