import type {
  HistoryEntry,
  InvocationFilter,
  InvocationStatusStore,
  NewInvocation,
  Outcome,
  StatusCount,
  StatusRecord,
  TransitionRequest,
  TransitionResult,
} from "../../core/contract/index.js";
import { decideTransition, isStatus, STATUS_TABLE, type Status } from "../../core/status.js";
import { toHistoryEntry, toOutcome, toStatusRecord } from "../sql-rows.js";
import type { PostgresHandle, Queryable } from "./pool.js";

type Row = Record<string, unknown>;

interface Locked {
  rec: StatusRecord;
  historyLen: number;
}

/**
 * Invocation statuses, history and outcomes. A batch of transitions is one transaction: lock
 * every row it touches (`FOR UPDATE`, in id order so two batches cannot deadlock), decide each
 * request with the shared `decideTransition`, then a conditional UPDATE (status and token
 * unchanged) that inserts its history row in the same statement, and the outcome of a final
 * status. Times come from the database's clock.
 */
export class PostgresInvocationStatus implements InvocationStatusStore {
  private readonly sql: ReturnType<typeof statusSql>;

  constructor(private readonly h: PostgresHandle) {
    this.sql = statusSql(h.s);
  }

  async register(invocations: readonly NewInvocation[]): Promise<void> {
    if (invocations.length === 0) return;
    await this.h.query("register", this.sql.register, [invocations.map((i) => i.id), invocations.map((i) => i.taskId)]);
  }

  async transition(requests: readonly TransitionRequest[]): Promise<TransitionResult[]> {
    if (requests.length === 0) return [];
    const ids = [...new Set(requests.map((r) => r.id))].sort();
    return this.h.tx("transition", async (q, attempt) => {
      const { rows } = await q.query<Row>(this.sql.lockRows, [ids]);
      const state = new Map<string, Locked>(
        rows.map((r) => [String(r.id), { rec: toStatusRecord(r), historyLen: Number(r.history_len) }]),
      );
      const out: TransitionResult[] = [];
      for (const req of requests) out.push(await this.applyOne(q, req, state, attempt > 0));
      return out;
    });
  }

  private async applyOne(
    q: Queryable,
    req: TransitionRequest,
    state: Map<string, Locked>,
    recheck: boolean,
  ): Promise<TransitionResult> {
    const cur = state.get(req.id);
    if (!cur) return { ok: false, id: req.id, reason: "not-found", current: null };
    const decision = decideTransition(cur.rec, req);
    if (!decision.ok) {
      const earlier = recheck ? await this.appliedEarlier(q, req, cur) : null;
      return earlier ?? { ok: false, id: req.id, reason: decision.reason, current: cur.rec.status };
    }
    const { next } = decision;
    const rows = await q.query<Row>(this.sql.update, [
      req.id,
      cur.rec.status,
      cur.rec.token,
      next.status,
      next.ownerId,
      next.token,
      req.countRetry ? 1 : 0,
      req.runnerId,
      req.note ?? null,
    ]);
    const row = rows.rows[0];
    if (!row) return { ok: false, id: req.id, reason: "status-changed", current: cur.rec.status };
    if (req.outcome) {
      const value = req.outcome.kind === "result" ? req.outcome.value : JSON.stringify(req.outcome.error);
      await q.query(this.sql.saveOutcome, [req.id, req.outcome.kind, value]);
    }
    const rec = toStatusRecord(row);
    state.set(req.id, { rec, historyLen: Number(row.history_len) });
    return {
      ok: true,
      id: req.id,
      from: cur.rec.status,
      to: rec.status,
      token: rec.token,
      ownerId: rec.ownerId,
      retries: rec.retries,
      attempts: rec.attempts,
    };
  }

  /**
   * After a retried transaction (the previous COMMIT may have landed before the connection
   * dropped): is the latest history row exactly this request's write? Then report it applied.
   */
  private async appliedEarlier(q: Queryable, req: TransitionRequest, cur: Locked): Promise<TransitionResult | null> {
    if (cur.rec.status !== req.to) return null;
    const rows = (await q.query<Row>(this.sql.lastTwo, [req.id, cur.historyLen - 1])).rows.map(toHistoryEntry);
    const last = rows.at(-1);
    const prev = rows.length === 2 ? rows[0] : undefined;
    if (!last || !prev || last.status !== req.to || last.actorId !== req.runnerId || last.note !== (req.note ?? null)) {
      return null;
    }
    const effect = STATUS_TABLE[req.to].onEnter;
    const mine =
      effect === "acquire" || effect === "override"
        ? last.ownerId === req.runnerId
        : req.token === undefined || last.token === req.token;
    if (!mine) return null;
    return {
      ok: true,
      id: req.id,
      from: prev.status,
      to: req.to,
      token: cur.rec.token,
      ownerId: cur.rec.ownerId,
      retries: cur.rec.retries,
      attempts: cur.rec.attempts,
    };
  }

  async getStatuses(ids: readonly string[]): Promise<Map<string, StatusRecord>> {
    const out = new Map<string, StatusRecord>();
    if (ids.length === 0) return out;
    for (const row of await this.h.query<Row>("getStatuses", this.sql.getMany, [[...ids]])) {
      const rec = toStatusRecord(row);
      out.set(rec.id, rec);
    }
    return out;
  }

  async find(filter: InvocationFilter): Promise<StatusRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (cond: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(cond(`$${params.length}`));
    };
    if (filter.statuses) add((n) => `status = ANY(${n}::text[])`, [...filter.statuses]);
    if (filter.taskId !== undefined) add((n) => `task_id = ${n}`, filter.taskId);
    if (filter.ownerId !== undefined) add((n) => `owner_id = ${n}`, filter.ownerId);
    if (filter.updatedBefore !== undefined) add((n) => `updated_at < ${n}`, filter.updatedBefore);
    if (filter.updatedAfter !== undefined) add((n) => `updated_at >= ${n}`, filter.updatedAfter);
    params.push(filter.limit ?? null, filter.offset ?? 0);
    const text =
      `SELECT * FROM ${this.h.s}.status${where.length ? ` WHERE ${where.join(" AND ")}` : ""}` +
      ` ORDER BY updated_at ${filter.order === "desc" ? "DESC" : "ASC"}, id` +
      ` LIMIT $${params.length - 1} OFFSET $${params.length}`;
    return (await this.h.query<Row>("find", text, params)).map(toStatusRecord);
  }

  async countByStatus(): Promise<StatusCount[]> {
    const rows = await this.h.query<{ task_id: string; status: string; n: number }>("countByStatus", this.sql.counts);
    return rows
      .filter((r) => isStatus(r.status))
      .map((r) => ({ taskId: r.task_id, status: r.status as Status, count: r.n }));
  }

  async historyBetween(from: number, to: number, limit: number): Promise<HistoryEntry[]> {
    return (await this.h.query<Row>("historyBetween", this.sql.historyBetween, [from, to, limit])).map(toHistoryEntry);
  }

  async getOutcome(id: string): Promise<Outcome | null> {
    const [row] = await this.h.query<Row>("getOutcome", this.sql.getOutcome, [id]);
    return row ? toOutcome(id, row) : null;
  }

  async history(id: string): Promise<HistoryEntry[]> {
    return (await this.h.query<Row>("history", this.sql.history, [id])).map(toHistoryEntry);
  }
}

function statusSql(s: string) {
  const now = `${s}.now_ms()`;
  return {
    register: `WITH ins AS (
        INSERT INTO ${s}.status (id, task_id, status, owner_id, token, retries, updated_at, history_len)
        SELECT id, task_id, 'REGISTERED', NULL, 0, 0, ${now}, 1 FROM unnest($1::text[], $2::text[]) AS t(id, task_id)
        ON CONFLICT (id) DO NOTHING RETURNING id, updated_at)
      INSERT INTO ${s}.history (invocation_id, seq, status, owner_id, token, actor_id, at, note)
      SELECT id, 1, 'REGISTERED', NULL, 0, NULL, updated_at, NULL FROM ins`,
    lockRows: `SELECT * FROM ${s}.status WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    update: `WITH u AS (
        UPDATE ${s}.status SET status = $4, owner_id = $5, token = $6, retries = retries + $7, attempts = attempts + (CASE WHEN $4 = 'RUNNING' THEN 1 ELSE 0 END),
          updated_at = ${now}, history_len = history_len + 1
        WHERE id = $1 AND status = $2 AND token = $3 RETURNING *),
      h AS (INSERT INTO ${s}.history (invocation_id, seq, status, owner_id, token, actor_id, at, note)
        SELECT id, history_len, status, owner_id, token, $8, updated_at, $9 FROM u)
      SELECT * FROM u`,
    lastTwo: `SELECT * FROM ${s}.history WHERE invocation_id = $1 AND seq >= $2 ORDER BY seq`,
    saveOutcome: `INSERT INTO ${s}.outcomes (id, kind, value) VALUES ($1, $2, $3)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, value = excluded.value`,
    getOutcome: `SELECT kind, value FROM ${s}.outcomes WHERE id = $1`,
    getMany: `SELECT * FROM ${s}.status WHERE id = ANY($1::text[])`,
    history: `SELECT * FROM ${s}.history WHERE invocation_id = $1 ORDER BY seq`,
    historyBetween: `SELECT * FROM ${s}.history WHERE at >= $1 AND at < $2 ORDER BY at, seq LIMIT $3`,
    counts: `SELECT task_id, status, count(*)::int AS n FROM ${s}.status GROUP BY task_id, status`,
  };
}
