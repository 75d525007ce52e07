import type {
  InvocationData,
  InvocationDataFilter,
  LogRecord,
  StateBackend,
  StoredValue,
} from "../../core/contract/index.js";
import { scheduleOf } from "../../core/routing.js";
import { toInvocationData, toLogRecord } from "../sql-rows.js";
import { POSTGRES_CAPABILITIES } from "./orchestrator.js";
import type { PostgresHandle } from "./pool.js";

type Row = Record<string, unknown>;

/** Invocation data and log lines; batches are single `unnest` statements. */
export class PostgresStateBackend implements StateBackend {
  readonly capabilities = POSTGRES_CAPABILITIES;
  private readonly sql: ReturnType<typeof stateSql>;

  constructor(readonly h: PostgresHandle) {
    this.sql = stateSql(h.s);
  }

  init(): Promise<void> {
    return this.h.init();
  }

  async saveInvocations(invocations: readonly InvocationData[]): Promise<void> {
    if (invocations.length === 0) return;
    await this.h.query("saveInvocations", this.sql.insert, invocationParams(invocations));
  }

  async getInvocations(ids: readonly string[]): Promise<Map<string, InvocationData>> {
    const out = new Map<string, InvocationData>();
    if (ids.length === 0) return out;
    for (const r of await this.h.query<Row>("getInvocations", this.sql.getMany, [[...ids]])) {
      const data = toInvocationData(r);
      out.set(data.id, data);
    }
    return out;
  }

  async findInvocations(filter: InvocationDataFilter): Promise<InvocationData[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (cond: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(cond(`$${params.length}`));
    };
    if (filter.parentId !== undefined) add((n) => `parent_id = ${n}`, filter.parentId);
    if (filter.workflowId !== undefined) add((n) => `workflow_id = ${n}`, filter.workflowId);
    if (filter.taskId !== undefined) add((n) => `task_id = ${n}`, filter.taskId);
    if (filter.rootsOnly) where.push("parent_id IS NULL");
    if (filter.createdAfter !== undefined) add((n) => `created_at >= ${n}`, filter.createdAfter);
    if (filter.createdBefore !== undefined) add((n) => `created_at < ${n}`, filter.createdBefore);
    params.push(filter.limit ?? null, filter.offset ?? 0);
    const text =
      `SELECT * FROM ${this.h.s}.invocations${where.length ? ` WHERE ${where.join(" AND ")}` : ""}` +
      ` ORDER BY created_at DESC, id LIMIT $${params.length - 1} OFFSET $${params.length}`;
    return (await this.h.query<Row>("findInvocations", text, params)).map(toInvocationData);
  }

  async putValues(values: readonly StoredValue[]): Promise<void> {
    if (values.length === 0) return;
    await this.h.query("putValues", this.sql.putValues, [
      values.map((v) => v.hash),
      values.map((v) => v.data),
      values.map((v) => v.invocationId),
    ]);
  }

  async getValues(hashes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (hashes.length === 0) return out;
    const rows = await this.h.query<{ hash: string; data: string }>("getValues", this.sql.getValues, [[...hashes]]);
    for (const r of rows) out.set(r.hash, r.data);
    return out;
  }

  async deleteInvocations(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.h.tx("deleteInvocations", async (q) => {
      for (const text of this.sql.deleteInvocations) await q.query(text, [[...ids]]);
    });
  }

  async appendLogs(records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.h.query("appendLogs", this.sql.log, [
      records.map((r) => r.invocationId),
      records.map((r) => r.runnerId),
      records.map((r) => r.taskId),
      records.map((r) => r.level),
      records.map((r) => r.message),
      records.map((r) => Math.round(r.at)),
    ]);
  }

  async logs(invocationId: string, limit = 1000): Promise<LogRecord[]> {
    return (await this.h.query<Row>("logs", this.sql.logs, [invocationId, limit])).map(toLogRecord);
  }

  async purge(): Promise<void> {
    await this.h.tx("purge", async (q) => {
      await q.query(this.sql.purgeInvocations);
      await q.query(this.sql.purgeLogs);
      await q.query(`DELETE FROM ${this.h.s}.large_values`);
      await q.query(`DELETE FROM ${this.h.s}.value_refs`);
    });
  }

  close(): Promise<void> {
    return this.h.release();
  }
}

/** The columns of new invocation data, as the arrays of the insert's unnest ($1..$9). */
export function invocationParams(invocations: readonly InvocationData[]): unknown[] {
  return [
    invocations.map((i) => i.id),
    invocations.map((i) => i.taskId),
    invocations.map((i) => i.args),
    invocations.map((i) => i.parentId),
    invocations.map((i) => i.workflowId),
    invocations.map((i) => Math.round(i.createdAt)),
    invocations.map((i) => scheduleOf(i).queue),
    invocations.map((i) => scheduleOf(i).priority),
    invocations.map((i) => {
      const at = scheduleOf(i).runAt;
      return at === null ? null : Math.round(at);
    }),
    invocations.map((i) => (i.origin ? JSON.stringify(i.origin) : null)),
  ];
}

function stateSql(s: string) {
  return {
    insert: `INSERT INTO ${s}.invocations (id, task_id, args, parent_id, workflow_id, created_at, queue, priority, run_at, origin)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
        $7::text[], $8::int[], $9::bigint[], $10::text[])
      ON CONFLICT (id) DO NOTHING`,
    getMany: `SELECT * FROM ${s}.invocations WHERE id = ANY($1::text[])`,
    putValues: `WITH v AS (
        INSERT INTO ${s}.large_values (hash, data)
        SELECT DISTINCT ON (hash) hash, data FROM unnest($1::text[], $2::text[]) AS t(hash, data)
        ON CONFLICT (hash) DO NOTHING)
      INSERT INTO ${s}.value_refs (hash, invocation_id)
      SELECT DISTINCT hash, inv FROM unnest($1::text[], $3::text[]) AS t(hash, inv)
      ON CONFLICT DO NOTHING`,
    getValues: `SELECT hash, data FROM ${s}.large_values WHERE hash = ANY($1::text[])`,
    /** In one transaction: data and logs, then references, then values left unreferenced. */
    deleteInvocations: [
      `DELETE FROM ${s}.invocations WHERE id = ANY($1::text[])`,
      `DELETE FROM ${s}.logs WHERE invocation_id = ANY($1::text[])`,
      `WITH gone AS (DELETE FROM ${s}.value_refs WHERE invocation_id = ANY($1::text[]) RETURNING hash)
        DELETE FROM ${s}.large_values v WHERE v.hash IN (SELECT hash FROM gone)
          AND NOT EXISTS (SELECT 1 FROM ${s}.value_refs r WHERE r.hash = v.hash AND NOT r.invocation_id = ANY($1::text[]))`,
    ],
    log: `INSERT INTO ${s}.logs (invocation_id, runner_id, task_id, level, message, at)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])`,
    logs: `SELECT * FROM ${s}.logs WHERE invocation_id = $1 ORDER BY seq LIMIT $2`,
    purgeInvocations: `DELETE FROM ${s}.invocations`,
    purgeLogs: `DELETE FROM ${s}.logs`,
  };
}
