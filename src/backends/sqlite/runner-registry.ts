import type { Database } from "better-sqlite3";
import type { RunnerContext, RunnerRecord, RunnerRegistry } from "../../core/contract/index.js";
import { toRunnerRecord } from "../sql-rows.js";

/** Runner contexts and heartbeats (one host: the process clock is the backend clock). */
export class SQLiteRunnerRegistry implements RunnerRegistry {
  private readonly sql: ReturnType<typeof runnerStatements>;

  constructor(db: Database, p: string) {
    this.sql = runnerStatements(db, p);
  }

  async registerRunner(ctx: RunnerContext): Promise<void> {
    this.sql.upsertRunner.run(
      ctx.id,
      ctx.kind,
      ctx.host,
      ctx.pid,
      ctx.threadId,
      ctx.parentId,
      ctx.startedAt,
      Date.now(),
      ctx.procStart ?? null,
    );
  }

  async heartbeat(runnerIds: readonly string[]): Promise<void> {
    if (runnerIds.length) this.sql.heartbeat.run(Date.now(), JSON.stringify(runnerIds));
  }

  async markRunnersStopping(runnerIds: readonly string[], drainMs: number): Promise<void> {
    if (runnerIds.length)
      this.sql.stopping.run(Date.now() + Math.max(0, Math.round(drainMs)), JSON.stringify(runnerIds));
  }

  async markRunnersStopped(runnerIds: readonly string[]): Promise<void> {
    if (runnerIds.length) this.sql.stop.run(Date.now(), JSON.stringify(runnerIds));
  }

  async runners(): Promise<RunnerRecord[]> {
    return (this.sql.runners.all() as Record<string, unknown>[]).map(toRunnerRecord);
  }

  async markRunnersDead(runnerIds: readonly string[], note: string): Promise<void> {
    if (runnerIds.length) this.sql.markDead.run(note, JSON.stringify(runnerIds));
  }

  async deadRunners(olderThanMs: number): Promise<string[]> {
    return (this.sql.dead.all(Date.now() - olderThanMs) as { id: string }[]).map((r) => r.id);
  }
}

function runnerStatements(db: Database, p: string) {
  const ids = "(SELECT value FROM json_each(?))";
  return {
    upsertRunner: db.prepare(
      `INSERT INTO ${p}runners (id, kind, host, pid, thread_id, parent_id, started_at, last_heartbeat, stopped_at, proc_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
       ON CONFLICT (id) DO UPDATE SET last_heartbeat = excluded.last_heartbeat, stopped_at = NULL, stopping_until = NULL, dead_note = NULL`,
    ),
    heartbeat: db.prepare(`UPDATE ${p}runners SET last_heartbeat = ?, dead_note = NULL WHERE id IN ${ids}`),
    stopping: db.prepare(`UPDATE ${p}runners SET stopping_until = ? WHERE id IN ${ids}`),
    stop: db.prepare(`UPDATE ${p}runners SET stopped_at = ? WHERE id IN ${ids}`),
    markDead: db.prepare(`UPDATE ${p}runners SET dead_note = ? WHERE id IN ${ids}`),
    runners: db.prepare(`SELECT * FROM ${p}runners ORDER BY started_at`),
    dead: db.prepare(`SELECT id FROM ${p}runners WHERE stopped_at IS NULL AND last_heartbeat < ?`),
  };
}
