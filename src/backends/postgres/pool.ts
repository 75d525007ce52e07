import { createHash } from "node:crypto";
import pg from "pg";
import type { NencConfig } from "../../config/schema.js";
import { type Logger, LogRoot } from "../../core/logger.js";
import { BackendError, NencError, redactUrl } from "../../errors/index.js";
import { NotificationListener } from "./listener.js";
import { migrate } from "./migrate.js";
import type { Queryable } from "./queryable.js";
import { isTransient, RetryPolicy } from "./retry.js";

export type { Queryable } from "./queryable.js";

/** Statement names by text: a parameterised statement is prepared once per connection (no planning on each call). */
const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `nenc_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

function adapt(c: { query: (config: pg.QueryConfig) => Promise<pg.QueryResult> }): Queryable {
  return {
    async query<R>(text: string, values?: readonly unknown[]) {
      const config: pg.QueryConfig =
        values && values.length > 0 ? { name: statementName(text), text, values: [...values] } : { text };
      const r = await c.query(config);
      return { rows: r.rows as R[], rowCount: r.rowCount };
    },
  };
}

/** The schema holding an app's tables: the configured one, else nenc_<appId lower-cased>. */
export function schemaName(config: NencConfig): string {
  return config.postgresSchema || `nenc_${config.appId.toLowerCase()}`;
}

/**
 * One pg Pool and one LISTEN connection per app (URL, schema) per process, shared by the
 * three PostgreSQL components and reference-counted. Every call goes through the retry policy:
 * a lost or refused connection is retried with backoff for `postgresRetryTimeoutMs` (pg's Pool
 * drops broken clients by itself). `init()` does not retry: a wrong URL fails at start-up.
 */
export class PostgresHandle {
  readonly schema: string;
  /** The schema as a quoted identifier, for statements. */
  readonly s: string;
  readonly channels: { work: string; change: string; settled: string };
  readonly log: Logger;
  readonly where: string;
  private readonly pool: pg.Pool;
  private readonly listener: NotificationListener;
  private readonly retry: RetryPolicy;
  private initialized: Promise<void> | null = null;
  private refs = 0;

  private static readonly open = new Map<string, PostgresHandle>();

  static acquire(config: NencConfig): PostgresHandle {
    const key = [
      config.postgresUrl,
      schemaName(config),
      config.appId,
      config.postgresPoolSize,
      config.postgresConnectTimeoutMs,
      config.postgresRetryTimeoutMs,
    ].join("\u0000");
    let handle = PostgresHandle.open.get(key);
    if (!handle) {
      handle = new PostgresHandle(config, key);
      PostgresHandle.open.set(key, handle);
    }
    handle.refs++;
    return handle;
  }

  private constructor(
    readonly config: NencConfig,
    private readonly key: string,
  ) {
    this.schema = schemaName(config);
    this.s = `"${this.schema}"`;
    this.channels = { work: `${this.schema}_work`, change: `${this.schema}_change`, settled: `${this.schema}_settled` };
    this.where = redactUrl(config.postgresUrl);
    this.log = new LogRoot(config.logLevel, config.logFormat).child({ component: "postgres" });
    this.retry = new RetryPolicy(config.postgresRetryTimeoutMs, this.where, this.log);
    const base: pg.ClientConfig = {
      connectionString: config.postgresUrl,
      connectionTimeoutMillis: config.postgresConnectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    };
    try {
      this.pool = new pg.Pool({
        ...base,
        max: config.postgresPoolSize,
        idleTimeoutMillis: 10_000,
        application_name: `nenc:${this.schema}`,
      });
    } catch (err) {
      throw this.startupError(err);
    }
    // An idle client whose connection drops emits here; the pool discards it. Without a
    // listener the error would crash the process.
    this.pool.on("error", (err) => {
      this.log.warn(
        { component: "postgres", err: err.message },
        `an idle PostgreSQL connection to ${this.where} failed`,
      );
    });
    // A checked-out client whose connection drops between two queries emits "error" too: the
    // next query on it fails (and is retried on a fresh client); the event itself is noted here.
    this.pool.on("connect", (client) => {
      client.on("error", (err) => {
        this.log.debug({ component: "postgres", err: err.message }, "a pooled PostgreSQL connection failed");
      });
    });
    this.listener = new NotificationListener(
      { ...base, application_name: `nenc-listen:${this.schema}` },
      [this.channels.work, this.channels.change],
      this.where,
      this.log,
    );
  }

  /** Check the connection and apply the migrations, once per process (retried after a failure). */
  init(): Promise<void> {
    this.initialized ??= this.connectAndMigrate().catch((err: unknown) => {
      this.initialized = null;
      throw err;
    });
    return this.initialized;
  }

  private async connectAndMigrate(): Promise<void> {
    if (!/^(postgres(ql)?:\/\/|socket:)/.test(this.config.postgresUrl)) {
      throw new BackendError(
        `postgresUrl "${this.where}" is not a PostgreSQL URL; expected postgres://user:password@host:5432/database.`,
      );
    }
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.startupError(err);
    }
    try {
      await migrate(adapt(client), this.schema, this.config.appId);
      client.release();
    } catch (err) {
      client.release(err instanceof Error ? err : true);
      if (err instanceof NencError) throw err;
      throw new BackendError(
        `Cannot prepare schema ${this.schema} in PostgreSQL at ${this.where}: ${(err as Error).message}. ` +
          "The user needs CREATE on the database (or an existing schema it owns); see src/backends/postgres/README.md.",
        { cause: err },
      );
    }
  }

  private startupError(err: unknown): BackendError {
    return new BackendError(
      `Cannot connect to PostgreSQL at ${this.where}: ${(err as Error).message || String(err)}. ` +
        "Check postgresUrl (NENC__POSTGRES_URL) and that the server accepts connections.",
      { cause: err },
    );
  }

  /** One statement outside a transaction, retried on a lost connection. */
  async query<R>(what: string, text: string, values?: readonly unknown[]): Promise<R[]> {
    return this.retry.run(what, async () => (await adapt(this.pool).query<R>(text, values)).rows);
  }

  /** One statement, retried on a lost connection; `retried` tells whether an earlier attempt may have committed. */
  async queryTracked<R>(
    what: string,
    text: string,
    values: readonly unknown[],
  ): Promise<{ rows: R[]; retried: boolean }> {
    return this.retry.run(what, async (attempt) => ({
      rows: (await adapt(this.pool).query<R>(text, values)).rows,
      retried: attempt > 0,
    }));
  }

  /** One statement, not retried (errors are wrapped as BackendError). */
  async queryOnce<R>(what: string, text: string, values?: readonly unknown[]): Promise<R[]> {
    try {
      return (await adapt(this.pool).query<R>(text, values)).rows;
    } catch (err) {
      throw this.retry.wrap(what, err);
    }
  }

  /**
   * `fn` inside BEGIN/COMMIT on one pooled connection. A transient failure rolls back and runs
   * `fn` again (`attempt` > 0 then: the previous COMMIT may have landed, so `fn` must be able
   * to recognise its own earlier write).
   */
  async tx<T>(what: string, fn: (q: Queryable, attempt: number) => Promise<T>): Promise<T> {
    return this.retry.run(what, async (attempt) => {
      const client = await this.pool.connect();
      const q = adapt(client);
      try {
        await q.query("BEGIN");
        const out = await fn(q, attempt);
        await q.query("COMMIT");
        client.release();
        return out;
      } catch (err) {
        await q.query("ROLLBACK").catch(() => {});
        client.release(isTransient(err) ? (err as Error) : undefined);
        throw err;
      }
    });
  }

  /**
   * Resolve on a NOTIFY on `channel` whose payload `accept` takes (spurious wake-ups are
   * possible), or after `timeoutMs`.
   */
  async wait(channel: "work" | "change", timeoutMs: number, accept?: (payload: string) => boolean): Promise<void> {
    const started = Date.now();
    await this.listener.start(Math.min(timeoutMs, 2000));
    const left = timeoutMs - (Date.now() - started);
    if (left > 0) await this.listener.wait(this.channels[channel], left, accept);
  }

  /** A token of the notifications heard on `channel` so far (NotificationListener.mark). */
  mark(channel: "work" | "change"): string | null {
    return this.listener.mark(this.channels[channel]);
  }

  /**
   * Wait as `wait` does, but only when nothing was heard on `channel` since `mark` and the LISTEN
   * connection held; false at once otherwise.
   */
  async waitQuiet(channel: "work" | "change", mark: string, timeoutMs: number): Promise<boolean> {
    if (this.listener.mark(this.channels[channel]) !== mark) return false;
    // Listening from this very turn: nothing can come between the comparison and the wait.
    await this.listener.wait(this.channels[channel], timeoutMs);
    return true;
  }

  /**
   * Call `fn` with each settlement NOTIFY (`<schema>_settled`, from cas-statement.ts) from the moment
   * its LISTEN is active: the channel is LISTENed on the first call, for the connection's life.
   */
  onSettledPayload(fn: (payload: string) => void): () => void {
    return this.listener.subscribe(this.channels.settled, fn);
  }

  async release(): Promise<void> {
    if (--this.refs > 0) return;
    PostgresHandle.open.delete(this.key);
    await Promise.allSettled([this.listener.close(), this.pool.end()]);
  }
}
