import pg from "pg";
import type { LivenessHold, LivenessProbe, RunnerContext, RunnerRecord } from "../../core/contract/index.js";
import { key31, restartGraceMs, sessionCandidates } from "../liveness-keys.js";
import type { PostgresHandle } from "./pool.js";

/**
 * Liveness on PostgreSQL: each runner holds a session-level advisory lock (app key, runner key)
 * on a connection of its own; when its process dies the server ends the session and releases
 * the lock. One query over pg_locks tells which runners' sessions are closed.
 */
export class PostgresLiveness implements LivenessProbe {
  private readonly appKey: number;

  constructor(private readonly h: PostgresHandle) {
    this.appKey = key31(`nenc:${h.schema}`);
  }

  async holdLiveness(ctx: RunnerContext): Promise<LivenessHold> {
    const lock = new SessionLock(
      {
        connectionString: this.h.config.postgresUrl,
        connectionTimeoutMillis: this.h.config.postgresConnectTimeoutMs,
        keepAlive: true,
        application_name: `nenc-live:${this.h.schema}`,
      },
      [this.appKey, key31(ctx.id)],
    );
    await lock.start();
    return lock;
  }

  async closedSessions(candidates: readonly RunnerRecord[]): Promise<string[]> {
    const checkable = sessionCandidates(candidates);
    if (checkable.length === 0) return [];
    const [row] = await this.h.query<{ held: string[] | null; up_ms: string }>(
      "closedSessions",
      `SELECT (SELECT array_agg(objid::bigint::text) FROM pg_locks
                WHERE locktype = 'advisory' AND classid = $1::bigint::oid AND objsubid = 2 AND granted) AS held,
              (extract(epoch FROM clock_timestamp() - pg_postmaster_start_time()) * 1000)::bigint::text AS up_ms`,
      [this.appKey],
    );
    // Every session ended with a server restart: until runners had time to reconnect, judge nothing.
    if (!row || Number(row.up_ms) < restartGraceMs(this.h.config)) return [];
    const held = new Set((row.held ?? []).map(Number));
    return checkable.filter((r) => !held.has(key31(r.id))).map((r) => r.id);
  }
}

/** A dedicated connection holding one advisory lock; reconnects and re-locks until released. */
class SessionLock implements LivenessHold {
  private client: pg.Client | null = null;
  private released = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly keys: [number, number],
  ) {}

  /** The first attempt is awaited (a runner normally holds its session before it takes work); retries continue in the background. */
  async start(): Promise<void> {
    if (!(await this.attempt())) void this.keepTrying();
  }

  private async attempt(): Promise<boolean> {
    const client = new pg.Client(this.config);
    client.on("error", () => {}); // the "end" event below reconnects
    try {
      await client.connect();
      const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", this.keys);
      if (!rows[0]?.ok || this.released) throw new Error("lock not taken");
      client.on("end", () => {
        this.client = null;
        if (!this.released) void this.keepTrying();
      });
      this.client = client;
      return true;
    } catch {
      await client.end().catch(() => {});
      return false;
    }
  }

  private async keepTrying(): Promise<void> {
    for (let delay = 100; !this.released && !this.client; delay = Math.min(delay * 2, 2000)) {
      await new Promise((r) => setTimeout(r, delay));
      if (!this.released && !this.client && (await this.attempt())) return;
    }
  }

  async release(): Promise<void> {
    this.released = true;
    await this.client?.end().catch(() => {});
    this.client = null;
  }
}
