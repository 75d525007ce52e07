import type { RunnerContext, RunnerRecord, RunnerRegistry } from "../../core/contract/index.js";
import { toRunnerRecord } from "../sql-rows.js";
import type { PostgresHandle } from "./pool.js";

type Row = Record<string, unknown>;

/** Runner contexts and heartbeats, stamped with the database's clock. */
export class PostgresRunnerRegistry implements RunnerRegistry {
  private readonly sql: ReturnType<typeof runnerSql>;

  constructor(private readonly h: PostgresHandle) {
    this.sql = runnerSql(h.s);
  }

  async registerRunner(ctx: RunnerContext): Promise<void> {
    await this.h.query("registerRunner", this.sql.upsertRunner, [
      ctx.id,
      ctx.kind,
      ctx.host,
      ctx.pid,
      ctx.threadId,
      ctx.parentId,
      ctx.startedAt,
      ctx.procStart ?? null,
    ]);
  }

  /** Not retried: a beat that fails is reported at once, and the next beat tries again. */
  async heartbeat(runnerIds: readonly string[]): Promise<void> {
    if (runnerIds.length) await this.h.queryOnce("heartbeat", this.sql.heartbeat, [[...runnerIds]]);
  }

  async markRunnersStopping(runnerIds: readonly string[], drainMs: number): Promise<void> {
    if (runnerIds.length)
      await this.h.query("markRunnersStopping", this.sql.stopping, [[...runnerIds], Math.max(0, Math.round(drainMs))]);
  }

  async markRunnersStopped(runnerIds: readonly string[]): Promise<void> {
    if (runnerIds.length) await this.h.query("markRunnersStopped", this.sql.stop, [[...runnerIds]]);
  }

  async markRunnersDead(runnerIds: readonly string[], note: string): Promise<void> {
    if (runnerIds.length) await this.h.query("markRunnersDead", this.sql.markDead, [[...runnerIds], note]);
  }

  async runners(): Promise<RunnerRecord[]> {
    return (await this.h.query<Row>("runners", this.sql.runners)).map(toRunnerRecord);
  }

  async deadRunners(olderThanMs: number): Promise<string[]> {
    return (await this.h.query<{ id: string }>("deadRunners", this.sql.dead, [Math.round(olderThanMs)])).map(
      (r) => r.id,
    );
  }
}

function runnerSql(s: string) {
  const now = `${s}.now_ms()`;
  return {
    upsertRunner: `INSERT INTO ${s}.runners (id, kind, host, pid, thread_id, parent_id, started_at, last_heartbeat, stopped_at, proc_start)
      VALUES ($1, $2, $3, $4, $5, $6, $7, ${now}, NULL, $8)
      ON CONFLICT (id) DO UPDATE SET last_heartbeat = excluded.last_heartbeat, stopped_at = NULL, stopping_until = NULL, dead_note = NULL`,
    heartbeat: `UPDATE ${s}.runners SET last_heartbeat = ${now}, dead_note = NULL WHERE id = ANY($1::text[])`,
    stopping: `UPDATE ${s}.runners SET stopping_until = ${now} + $2 WHERE id = ANY($1::text[])`,
    markDead: `UPDATE ${s}.runners SET dead_note = $2 WHERE id = ANY($1::text[])`,
    stop: `UPDATE ${s}.runners SET stopped_at = ${now} WHERE id = ANY($1::text[])`,
    runners: `SELECT * FROM ${s}.runners ORDER BY started_at, id`,
    dead: `SELECT id FROM ${s}.runners WHERE stopped_at IS NULL AND last_heartbeat < ${now} - $1 ORDER BY id`,
  };
}
