import { sqlitePath } from "../../config/resolve.js";
import type { EngineModule } from "../engine.js";
import { SQLiteBroker } from "./broker.js";
import { SqliteDatabase, tablePrefix } from "./database.js";
import { SQLiteOrchestrator } from "./orchestrator.js";
import { SQLiteStateBackend } from "./state-backend.js";

/** The three components share one connection per file per process (reference-counted). */
export const engine: EngineModule = {
  createOrchestrator: async (c) => new SQLiteOrchestrator(SqliteDatabase.acquire(sqlitePath(c)), tablePrefix(c.appId)),
  createBroker: async (c) => new SQLiteBroker(SqliteDatabase.acquire(sqlitePath(c)), tablePrefix(c.appId)),
  createStateBackend: async (c) => new SQLiteStateBackend(SqliteDatabase.acquire(sqlitePath(c)), tablePrefix(c.appId)),
};
