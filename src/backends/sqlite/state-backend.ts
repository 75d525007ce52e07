import type { Database } from "better-sqlite3";
import type {
  InvocationData,
  InvocationDataFilter,
  LogRecord,
  StateBackend,
  StoredValue,
} from "../../core/contract/index.js";
import { scheduleOf } from "../../core/routing.js";
import { toInvocationData, toLogRecord } from "../sql-rows.js";
import type { SqliteDatabase } from "./database.js";
import { SQLITE_CAPABILITIES } from "./orchestrator.js";

export class SQLiteStateBackend implements StateBackend {
  readonly capabilities = SQLITE_CAPABILITIES;
  private readonly sql: ReturnType<typeof stateStatements>;

  constructor(
    private readonly handle: SqliteDatabase,
    private readonly p: string,
  ) {
    handle.migrate(p);
    this.sql = stateStatements(handle.db, p);
  }

  async init(): Promise<void> {}

  async saveInvocations(invocations: readonly InvocationData[]): Promise<void> {
    this.handle.db
      .transaction(() => {
        for (const i of invocations) {
          const s = scheduleOf(i);
          this.sql.insert.run(
            i.id,
            i.taskId,
            i.args,
            i.parentId,
            i.workflowId,
            i.createdAt,
            s.queue,
            s.priority,
            s.runAt,
            i.origin ? JSON.stringify(i.origin) : null,
          );
        }
      })
      .immediate();
  }

  async getInvocations(ids: readonly string[]): Promise<Map<string, InvocationData>> {
    const out = new Map<string, InvocationData>();
    if (ids.length === 0) return out;
    for (const r of this.sql.getMany.all(JSON.stringify(ids)) as Record<string, unknown>[]) {
      const inv = toInvocationData(r);
      out.set(inv.id, inv);
    }
    return out;
  }

  async findInvocations(filter: InvocationDataFilter): Promise<InvocationData[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const eq = (col: string, v: string | undefined) => {
      if (v === undefined) return;
      where.push(`${col} = ?`);
      params.push(v);
    };
    eq("parent_id", filter.parentId);
    eq("workflow_id", filter.workflowId);
    eq("task_id", filter.taskId);
    if (filter.rootsOnly) where.push("parent_id IS NULL");
    if (filter.createdAfter !== undefined) {
      where.push("created_at >= ?");
      params.push(filter.createdAfter);
    }
    if (filter.createdBefore !== undefined) {
      where.push("created_at < ?");
      params.push(filter.createdBefore);
    }
    params.push(filter.limit ?? -1, filter.offset ?? 0);
    const sql = `SELECT * FROM ${this.p}invocations${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`;
    return (this.handle.prepare(sql).all(...params) as Record<string, unknown>[]).map(toInvocationData);
  }

  async putValues(values: readonly StoredValue[]): Promise<void> {
    if (values.length === 0) return;
    this.handle.db
      .transaction(() => {
        for (const v of values) {
          this.sql.putValue.run(v.hash, v.data);
          this.sql.putRef.run(v.hash, v.invocationId);
        }
      })
      .immediate();
  }

  async getValues(hashes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (hashes.length === 0) return out;
    for (const r of this.sql.getValues.all(JSON.stringify(hashes)) as { hash: string; data: string }[]) {
      out.set(r.hash, r.data);
    }
    return out;
  }

  async deleteInvocations(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const list = JSON.stringify(ids);
    this.handle.db
      .transaction(() => {
        const hashes = (this.sql.refsOf.all(list) as { hash: string }[]).map((r) => r.hash);
        this.sql.deleteData.run(list);
        this.sql.deleteLogs.run(list);
        this.sql.deleteRefs.run(list);
        if (hashes.length > 0) this.sql.deleteUnreferenced.run(JSON.stringify(hashes));
      })
      .immediate();
  }

  async appendLogs(records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.handle.db.transaction(() => {
      for (const r of records) this.sql.log.run(r.invocationId, r.runnerId, r.taskId, r.level, r.message, r.at);
    })();
  }

  async logs(invocationId: string, limit = 1000): Promise<LogRecord[]> {
    return (this.sql.logs.all(invocationId, limit) as Record<string, unknown>[]).map(toLogRecord);
  }

  async purge(): Promise<void> {
    const db = this.handle.db;
    db.transaction(() => {
      db.exec(`DELETE FROM ${this.p}invocations`);
      db.exec(`DELETE FROM ${this.p}logs`);
      db.exec(`DELETE FROM ${this.p}large_values`);
      db.exec(`DELETE FROM ${this.p}value_refs`);
    }).immediate();
  }

  async close(): Promise<void> {
    this.handle.release();
  }
}

function stateStatements(db: Database, p: string) {
  return {
    insert: db.prepare(
      `INSERT OR IGNORE INTO ${p}invocations (id, task_id, args, parent_id, workflow_id, created_at, queue, priority, run_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    getMany: db.prepare(`SELECT * FROM ${p}invocations WHERE id IN (SELECT value FROM json_each(?))`),
    log: db.prepare(
      `INSERT INTO ${p}logs (invocation_id, runner_id, task_id, level, message, at) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    logs: db.prepare(`SELECT * FROM ${p}logs WHERE invocation_id = ? ORDER BY seq LIMIT ?`),
    putValue: db.prepare(`INSERT OR IGNORE INTO ${p}large_values (hash, data) VALUES (?, ?)`),
    putRef: db.prepare(`INSERT OR IGNORE INTO ${p}value_refs (hash, invocation_id) VALUES (?, ?)`),
    getValues: db.prepare(`SELECT hash, data FROM ${p}large_values WHERE hash IN (SELECT value FROM json_each(?))`),
    refsOf: db.prepare(
      `SELECT DISTINCT hash FROM ${p}value_refs WHERE invocation_id IN (SELECT value FROM json_each(?))`,
    ),
    deleteRefs: db.prepare(`DELETE FROM ${p}value_refs WHERE invocation_id IN (SELECT value FROM json_each(?))`),
    deleteUnreferenced: db.prepare(
      `DELETE FROM ${p}large_values WHERE hash IN (SELECT value FROM json_each(?)) AND NOT EXISTS (SELECT 1 FROM ${p}value_refs r WHERE r.hash = ${p}large_values.hash)`,
    ),
    deleteData: db.prepare(`DELETE FROM ${p}invocations WHERE id IN (SELECT value FROM json_each(?))`),
    deleteLogs: db.prepare(`DELETE FROM ${p}logs WHERE invocation_id IN (SELECT value FROM json_each(?))`),
  };
}
