import type { Database } from "better-sqlite3";
import type { TriggerState, TriggerStateStore } from "../../core/contract/index.js";
import { toTriggerState } from "../sql-rows.js";

/** Trigger states in one table: a conditional insert or update on the version. */
export class SQLiteTriggerState implements TriggerStateStore {
  private readonly sql: ReturnType<typeof triggerStatements>;

  constructor(db: Database, p: string) {
    this.sql = triggerStatements(db, p);
  }

  async getTriggerStates(keys: readonly string[]): Promise<Map<string, TriggerState>> {
    const out = new Map<string, TriggerState>();
    if (keys.length === 0) return out;
    for (const r of this.sql.get.all(JSON.stringify(keys)) as Record<string, unknown>[]) {
      const [key, state] = toTriggerState(r);
      out.set(key, state);
    }
    return out;
  }

  async setTriggerState(key: string, value: string, expectVersion: number): Promise<boolean> {
    const r =
      expectVersion === 0
        ? this.sql.insert.run(key, value)
        : this.sql.update.run(value, expectVersion + 1, key, expectVersion);
    return r.changes === 1;
  }

  async backendNow(): Promise<number> {
    return Date.now(); // one host shares the file: its clock is the backend's
  }
}

function triggerStatements(db: Database, p: string) {
  return {
    get: db.prepare(`SELECT key, value, version FROM ${p}trigger_state WHERE key IN (SELECT value FROM json_each(?))`),
    insert: db.prepare(`INSERT OR IGNORE INTO ${p}trigger_state (key, value, version) VALUES (?, ?, 1)`),
    update: db.prepare(`UPDATE ${p}trigger_state SET value = ?, version = ? WHERE key = ? AND version = ?`),
  };
}
