import type { TriggerState, TriggerStateStore } from "../../core/contract/index.js";
import { toTriggerState } from "../sql-rows.js";
import type { PostgresHandle } from "./pool.js";

/** Trigger states in one table: a conditional insert or update on the version. */
export class PostgresTriggerState implements TriggerStateStore {
  private readonly sql: ReturnType<typeof triggerSql>;

  constructor(private readonly h: PostgresHandle) {
    this.sql = triggerSql(h.s);
  }

  async getTriggerStates(keys: readonly string[]): Promise<Map<string, TriggerState>> {
    const out = new Map<string, TriggerState>();
    if (keys.length === 0) return out;
    for (const r of await this.h.query<Record<string, unknown>>("getTriggerStates", this.sql.get, [keys])) {
      const [key, state] = toTriggerState(r);
      out.set(key, state);
    }
    return out;
  }

  async setTriggerState(key: string, value: string, expectVersion: number): Promise<boolean> {
    const rows =
      expectVersion === 0
        ? await this.h.query("insertTriggerState", this.sql.insert, [key, value])
        : await this.h.query("updateTriggerState", this.sql.update, [value, key, expectVersion]);
    return rows.length === 1;
  }

  async backendNow(): Promise<number> {
    const [row] = await this.h.query<{ now: string }>("backendNow", this.sql.now, []);
    return Number(row?.now);
  }
}

function triggerSql(s: string) {
  return {
    get: `SELECT key, value, version FROM ${s}.trigger_state WHERE key = ANY($1::text[])`,
    insert: `INSERT INTO ${s}.trigger_state (key, value, version) VALUES ($1, $2, 1) ON CONFLICT (key) DO NOTHING RETURNING key`,
    update: `UPDATE ${s}.trigger_state SET value = $1, version = version + 1 WHERE key = $2 AND version = $3 RETURNING key`,
    now: `SELECT ${s}.now_ms() AS now`,
  };
}
