import type { Database } from "better-sqlite3";
import type {
  BackendCapabilities,
  HistoryEntry,
  InvocationFilter,
  NewInvocation,
  Orchestrator,
  Outcome,
  RunnerContext,
  RunnerRecord,
  StatusCount,
  StatusRecord,
  TransitionRequest,
  TransitionResult,
} from "../../core/contract/index.js";
import { decideTransition, isStatus, type Status } from "../../core/status.js";
import { toHistoryEntry, toOutcome, toRunnerRecord, toStatusRecord } from "../sql-rows.js";
import type { SqliteDatabase } from "./database.js";

export const SQLITE_CAPABILITIES: BackendCapabilities = {
  sharedAcrossProcesses: true,
  pushWakeups: true,
};

/** A status row; decoded by toStatusRecord, `history_len` numbers the next history row. */
type StatusRow = Record<string, unknown> & { history_len: number };

/**
 * Every transition runs in one IMMEDIATE transaction: read the row, decide with the shared
 * state-machine rule, then a conditional UPDATE (status and token must be unchanged) and the
 * history INSERT. A batch of transitions shares one transaction.
 */
export class SQLiteOrchestrator implements Orchestrator {
  readonly capabilities = SQLITE_CAPABILITIES;
  private readonly sql: ReturnType<typeof orchestratorStatements>;

  constructor(
    private readonly handle: SqliteDatabase,
    private readonly p: string,
  ) {
    handle.migrate(p);
    this.sql = orchestratorStatements(handle.db, p);
  }

  async init(): Promise<void> {}

  async register(invocations: readonly NewInvocation[]): Promise<void> {
    this.handle.db
      .transaction(() => {
        for (const inv of invocations) {
          const r = this.sql.insertStatus.run(inv.id, inv.taskId, inv.createdAt);
          if (r.changes === 1) {
            this.sql.insertHistory.run(inv.id, 1, "REGISTERED", null, 0, null, inv.createdAt, null);
          }
        }
      })
      .immediate();
    this.handle.notify();
  }

  async transition(requests: readonly TransitionRequest[]): Promise<TransitionResult[]> {
    const results = this.handle.db.transaction(() => requests.map((req) => this.applyOne(req))).immediate();
    this.handle.notify();
    return results;
  }

  private applyOne(req: TransitionRequest): TransitionResult {
    const row = this.sql.getOne.get(req.id) as StatusRow | undefined;
    if (!row) return { ok: false, id: req.id, reason: "not-found", current: null };
    const current = toStatusRecord(row);
    const decision = decideTransition(current, req);
    if (!decision.ok) return { ok: false, id: req.id, reason: decision.reason, current: current.status };
    const { next } = decision;
    const at = Date.now();
    const changed = this.sql.update.run(
      next.status,
      next.ownerId,
      next.token,
      req.countRetry ? 1 : 0,
      at,
      req.id,
      current.status,
      current.token,
    ).changes;
    if (changed !== 1) return { ok: false, id: req.id, reason: "status-changed", current: current.status };
    this.sql.insertHistory.run(
      req.id,
      row.history_len + 1,
      next.status,
      next.ownerId,
      next.token,
      req.runnerId,
      at,
      req.note ?? null,
    );
    if (req.outcome) {
      const value = req.outcome.kind === "result" ? req.outcome.value : JSON.stringify(req.outcome.error);
      this.sql.saveOutcome.run(req.id, req.outcome.kind, value);
    }
    return {
      ok: true,
      id: req.id,
      from: current.status,
      to: next.status,
      token: next.token,
      ownerId: next.ownerId,
      retries: current.retries + (req.countRetry ? 1 : 0),
    };
  }

  async getStatuses(ids: readonly string[]): Promise<Map<string, StatusRecord>> {
    const out = new Map<string, StatusRecord>();
    if (ids.length === 0) return out;
    for (const row of this.sql.getMany.all(JSON.stringify(ids)) as StatusRow[]) {
      const rec = toStatusRecord(row);
      out.set(rec.id, rec);
    }
    return out;
  }

  async find(filter: InvocationFilter): Promise<StatusRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.statuses) {
      where.push("status IN (SELECT value FROM json_each(?))");
      params.push(JSON.stringify(filter.statuses));
    }
    if (filter.taskId !== undefined) {
      where.push("task_id = ?");
      params.push(filter.taskId);
    }
    if (filter.ownerId !== undefined) {
      where.push("owner_id = ?");
      params.push(filter.ownerId);
    }
    if (filter.updatedBefore !== undefined) {
      where.push("updated_at < ?");
      params.push(filter.updatedBefore);
    }
    if (filter.updatedAfter !== undefined) {
      where.push("updated_at >= ?");
      params.push(filter.updatedAfter);
    }
    params.push(filter.limit ?? -1, filter.offset ?? 0);
    const sql = `SELECT * FROM ${this.p}status${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY updated_at ${
      filter.order === "desc" ? "DESC" : "ASC"
    } LIMIT ? OFFSET ?`;
    return (this.handle.prepare(sql).all(...params) as Record<string, unknown>[]).map(toStatusRecord);
  }

  async countByStatus(): Promise<StatusCount[]> {
    const rows = this.sql.counts.all() as { task_id: string; status: string; n: number }[];
    return rows
      .filter((r) => isStatus(r.status))
      .map((r) => ({ taskId: r.task_id, status: r.status as Status, count: r.n }));
  }

  async historyBetween(from: number, to: number, limit: number): Promise<HistoryEntry[]> {
    return (this.sql.historyBetween.all(from, to, limit) as Record<string, unknown>[]).map(toHistoryEntry);
  }

  async getOutcome(id: string): Promise<Outcome | null> {
    const row = this.sql.getOutcome.get(id) as Record<string, unknown> | undefined;
    return row ? toOutcome(id, row) : null;
  }

  async history(id: string): Promise<HistoryEntry[]> {
    return (this.sql.history.all(id) as Record<string, unknown>[]).map(toHistoryEntry);
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

  async deadRunners(olderThanMs: number): Promise<string[]> {
    return (this.sql.dead.all(Date.now() - olderThanMs) as { id: string }[]).map((r) => r.id);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.sql.lease.run(name, holder, now + ttlMs, now).changes === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.sql.releaseLease.run(name, holder);
  }

  waitForChange(_ids: readonly string[], timeoutMs: number): Promise<void> {
    return this.handle.waitForChange(timeoutMs);
  }

  async purge(): Promise<void> {
    const db = this.handle.db;
    db.transaction(() => {
      for (const t of ["status", "history", "outcomes", "runners", "leases"]) db.exec(`DELETE FROM ${this.p}${t}`);
    }).immediate();
  }

  async close(): Promise<void> {
    this.handle.release();
  }
}

function orchestratorStatements(db: Database, p: string) {
  const ids = "(SELECT value FROM json_each(?))";
  return {
    insertStatus: db.prepare(
      `INSERT OR IGNORE INTO ${p}status (id, task_id, status, owner_id, token, retries, updated_at, history_len) VALUES (?, ?, 'REGISTERED', NULL, 0, 0, ?, 1)`,
    ),
    insertHistory: db.prepare(
      `INSERT INTO ${p}history (invocation_id, seq, status, owner_id, token, actor_id, at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    getOne: db.prepare(`SELECT * FROM ${p}status WHERE id = ?`),
    getMany: db.prepare(`SELECT * FROM ${p}status WHERE id IN ${ids}`),
    update: db.prepare(
      `UPDATE ${p}status SET status = ?, owner_id = ?, token = ?, retries = retries + ?, updated_at = ?, history_len = history_len + 1 WHERE id = ? AND status = ? AND token = ?`,
    ),
    saveOutcome: db.prepare(`INSERT OR REPLACE INTO ${p}outcomes (id, kind, value) VALUES (?, ?, ?)`),
    getOutcome: db.prepare(`SELECT kind, value FROM ${p}outcomes WHERE id = ?`),
    history: db.prepare(`SELECT * FROM ${p}history WHERE invocation_id = ? ORDER BY seq`),
    historyBetween: db.prepare(`SELECT * FROM ${p}history WHERE at >= ? AND at < ? ORDER BY at, seq LIMIT ?`),
    counts: db.prepare(`SELECT task_id, status, count(*) AS n FROM ${p}status GROUP BY task_id, status`),
    upsertRunner: db.prepare(
      `INSERT INTO ${p}runners (id, kind, host, pid, thread_id, parent_id, started_at, last_heartbeat, stopped_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (id) DO UPDATE SET last_heartbeat = excluded.last_heartbeat, stopped_at = NULL, stopping_until = NULL`,
    ),
    heartbeat: db.prepare(`UPDATE ${p}runners SET last_heartbeat = ? WHERE id IN ${ids}`),
    stopping: db.prepare(`UPDATE ${p}runners SET stopping_until = ? WHERE id IN ${ids}`),
    stop: db.prepare(`UPDATE ${p}runners SET stopped_at = ? WHERE id IN ${ids}`),
    runners: db.prepare(`SELECT * FROM ${p}runners ORDER BY started_at`),
    dead: db.prepare(`SELECT id FROM ${p}runners WHERE stopped_at IS NULL AND last_heartbeat < ?`),
    lease: db.prepare(
      `INSERT INTO ${p}leases (name, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE ${p}leases.holder = excluded.holder OR ${p}leases.expires_at <= ?`,
    ),
    releaseLease: db.prepare(`DELETE FROM ${p}leases WHERE name = ? AND holder = ?`),
  };
}
