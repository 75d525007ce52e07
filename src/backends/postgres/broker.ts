import type { Broker, NextWork, RouteRequest } from "../../core/contract/index.js";
import { DEFAULT_QUEUE } from "../../core/priorities.js";
import { POSTGRES_CAPABILITIES } from "./orchestrator.js";
import type { PostgresHandle } from "./pool.js";

/**
 * A queue table. `claim` deletes and returns the next ready rows in one statement, skipping
 * rows another claimer has locked (`FOR UPDATE SKIP LOCKED`), so concurrent runners never get
 * the same row. Inserts NOTIFY `<schema>_work` (a trigger), which wakes `waitForWork`.
 */
export class PostgresBroker implements Broker {
  readonly capabilities = POSTGRES_CAPABILITIES;
  private readonly sql: ReturnType<typeof brokerSql>;

  constructor(readonly h: PostgresHandle) {
    this.sql = brokerSql(h.s);
  }

  init(): Promise<void> {
    return this.h.init();
  }

  async route(requests: readonly RouteRequest[]): Promise<void> {
    if (requests.length === 0) return;
    await this.h.query("route", this.sql.insert, routeParams(requests));
  }

  async claim(max: number, queues: readonly string[] = []): Promise<string[]> {
    if (max <= 0) return [];
    const rows = await this.h.query<{ id: string; seq: string; priority: number }>("claim", this.sql.claim, [
      max,
      queues.length > 0 ? [...queues] : null,
    ]);
    // RETURNING has no order of its own: restore the queue order.
    return rows.sort((a, b) => b.priority - a.priority || Number(a.seq) - Number(b.seq)).map((r) => r.id);
  }

  async queued(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    return new Set((await this.h.query<{ id: string }>("queued", this.sql.queued, [[...ids]])).map((r) => r.id));
  }

  async depth(): Promise<number> {
    const [row] = await this.h.query<{ n: number }>("depth", this.sql.depth);
    return row?.n ?? 0;
  }

  async waitForWork(timeoutMs: number, queues: readonly string[] = [], after?: NextWork): Promise<void> {
    if (after) {
      // The claim just made saw the queues: with no route announced since, no second look.
      if (after.inMs === 0) return;
      const ms = after.inMs > 0 ? Math.min(timeoutMs, after.inMs) : timeoutMs;
      if (await this.h.waitQuiet("work", after.mark, Math.max(1, ms))) return;
    }
    const [row] = await this.h.query<{ wait_ms: string | null }>("waitForWork", this.sql.nextIn, [
      queues.length > 0 ? [...queues] : null,
    ]);
    const waitMs = row?.wait_ms === null || row?.wait_ms === undefined ? null : Number(row.wait_ms);
    if (waitMs !== null && waitMs <= 0) return;
    await this.h.wait("work", Math.max(1, waitMs === null ? timeoutMs : Math.min(timeoutMs, waitMs)));
  }

  async purge(): Promise<void> {
    await this.h.query("purge", this.sql.purge);
  }

  close(): Promise<void> {
    return this.h.release();
  }
}

/** Queue rows, as the arrays of the insert's unnest: id, priority, available_at, queue. */
export function routeParams(requests: readonly RouteRequest[]): unknown[] {
  return [
    requests.map((r) => r.id),
    requests.map((r) => r.priority ?? 0),
    requests.map((r) => Math.round(r.availableAt ?? 0)),
    requests.map((r) => r.queue ?? DEFAULT_QUEUE),
  ];
}

function brokerSql(s: string) {
  return {
    insert: `INSERT INTO ${s}.queue (id, priority, available_at, queue)
      SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[])`,
    // ($2 null: every queue)
    claim: `DELETE FROM ${s}.queue WHERE seq IN (
        SELECT seq FROM ${s}.queue WHERE available_at <= ${s}.now_ms()
          AND ($2::text[] IS NULL OR queue = ANY($2::text[]))
        ORDER BY priority DESC, seq LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING id, seq, priority`,
    queued: `SELECT DISTINCT id FROM ${s}.queue WHERE id = ANY($1::text[])`,
    depth: `SELECT count(*)::int AS n FROM ${s}.queue`,
    /** Milliseconds until the earliest row is ready (by the database's clock); null when empty. */
    nextIn: `SELECT min(available_at) - ${s}.now_ms() AS wait_ms FROM ${s}.queue
      WHERE ($1::text[] IS NULL OR queue = ANY($1::text[]))`,
    purge: `DELETE FROM ${s}.queue`,
  };
}
