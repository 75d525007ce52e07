import type { Database } from "better-sqlite3";
import type { Broker, RouteRequest } from "../../core/contract/index.js";
import { DEFAULT_QUEUE } from "../../core/priorities.js";
import type { SqliteDatabase } from "./database.js";
import { SQLITE_CAPABILITIES } from "./orchestrator.js";

/**
 * A queue table; `claim` deletes and returns the next ready rows of the claimer's queues in one
 * statement. `waitForWork` sleeps until the earliest delayed row of those queues is due, or a
 * write to the file (another process routing) wakes it.
 */
export class SQLiteBroker implements Broker {
  readonly capabilities = SQLITE_CAPABILITIES;
  private readonly sql: ReturnType<typeof brokerStatements>;

  constructor(
    private readonly handle: SqliteDatabase,
    private readonly p: string,
  ) {
    handle.migrate(p);
    this.sql = brokerStatements(handle.db, p);
  }

  async init(): Promise<void> {}

  async route(requests: readonly RouteRequest[]): Promise<void> {
    this.handle.db
      .transaction(() => {
        for (const r of requests)
          this.sql.insert.run(r.id, r.priority ?? 0, r.availableAt ?? 0, r.queue ?? DEFAULT_QUEUE);
      })
      .immediate();
    this.handle.notify();
  }

  async claim(max: number, queues: readonly string[] = []): Promise<string[]> {
    if (max <= 0) return [];
    // RETURNING has no order of its own: restore the queue order.
    const rows = this.sql.claim.all({ now: Date.now(), n: queues.length, queues: JSON.stringify(queues), max }) as {
      id: string;
      seq: number;
      priority: number;
    }[];
    return rows.sort((a, b) => b.priority - a.priority || a.seq - b.seq).map((r) => r.id);
  }

  async queued(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    return new Set((this.sql.queued.all(JSON.stringify(ids)) as { id: string }[]).map((r) => r.id));
  }

  async depth(): Promise<number> {
    return (this.sql.depth.get() as { n: number }).n;
  }

  async waitForWork(timeoutMs: number, queues: readonly string[] = []): Promise<void> {
    const next = (this.sql.nextAt.get({ n: queues.length, queues: JSON.stringify(queues) }) as { at: number | null })
      .at;
    const now = Date.now();
    if (next !== null && next <= now) return;
    const until = next === null ? timeoutMs : Math.min(timeoutMs, next - now);
    await this.handle.waitForChange(Math.max(1, until));
  }

  async purge(): Promise<void> {
    this.handle.db.exec(`DELETE FROM ${this.p}queue`);
  }

  async close(): Promise<void> {
    this.handle.release();
  }
}

function brokerStatements(db: Database, p: string) {
  return {
    insert: db.prepare(`INSERT INTO ${p}queue (id, priority, available_at, queue) VALUES (?, ?, ?, ?)`),
    // (@n = 0: every queue; else the queues of the JSON list @queues)
    claim: db.prepare(
      `DELETE FROM ${p}queue WHERE seq IN (SELECT seq FROM ${p}queue WHERE available_at <= @now AND (@n = 0 OR queue IN (SELECT value FROM json_each(@queues))) ORDER BY priority DESC, seq LIMIT @max) RETURNING id, seq, priority`,
    ),
    queued: db.prepare(`SELECT DISTINCT id FROM ${p}queue WHERE id IN (SELECT value FROM json_each(?))`),
    depth: db.prepare(`SELECT count(*) AS n FROM ${p}queue`),
    nextAt: db.prepare(
      `SELECT min(available_at) AS at FROM ${p}queue WHERE (@n = 0 OR queue IN (SELECT value FROM json_each(@queues)))`,
    ),
  };
}
