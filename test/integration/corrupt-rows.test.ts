/**
 * A corrupt row on SQLite, Redis and PostgreSQL: stored arguments that do not decode make that
 * invocation FAILED with NENC_CORRUPT_RECORD, the runner keeps going, and the row is left as it
 * was; an unknown status is a CorruptRecordError naming the invocation, and so is an
 * undecodable stored result or a history entry with an unknown status (nothing else is
 * affected); a queued invocation with an unknown status is left out of its claim batch; a
 * broker message naming no invocation is dropped.
 */

import Database from "better-sqlite3";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import { tablePrefix } from "../../src/backends/sqlite/database.js";
import {
  AsyncRunner,
  CorruptRecordError,
  ErrorCode,
  Nenc,
  type NencConfigInput,
  TaskFailedError,
} from "../../src/index.js";
import { sqliteBackend } from "../helpers/backends.js";
import { POSTGRES_TEST_URL, postgresBackend, schemaOf } from "../helpers/postgres.js";
import { REDIS_TEST_URL, redisBackend } from "../helpers/redis.js";
import { forServer } from "../helpers/servers.js";

interface Corrupter {
  /** Make the stored arguments of `id` undecodable; returns a reader of them. */
  breakArgs(id: string): Promise<() => Promise<string | null>>;
  breakStatus(id: string): Promise<void>;
  /** Make the stored result of a SUCCESS invocation undecodable. */
  breakResult(id: string): Promise<void>;
  /** Make the outcome row of `id` unreadable (SQL: an error that is not JSON; Redis: an unknown kind). */
  breakOutcome(id: string): Promise<void>;
  /** Give the first history entry of `id` an unknown status. */
  breakHistory(id: string): Promise<void>;
  /** Queue a broker message naming no invocation. */
  queueGarbage(id: string): Promise<void>;
  close(): Promise<void>;
}

function scenarios(
  name: string,
  makeApp: (extra?: NencConfigInput) => Nenc,
  makeCorrupter: () => Corrupter,
  cleanup: () => Promise<void>,
) {
  describe(`a corrupt row gets a clear error and loses nothing (${name})`, () => {
    const app = makeApp();
    const echo = app.task(async (v: string) => v, { name: "echo" });
    const raw = makeCorrupter();

    afterAll(async () => {
      await app.purge();
      await app.close();
      await raw.close();
      await cleanup();
    });

    it("undecodable arguments: that invocation FAILS with NENC_CORRUPT_RECORD, the runner keeps going", async () => {
      const bad = await echo("fine");
      const argsOf = await raw.breakArgs(bad.id);
      const good = await echo("next");
      const runner = new AsyncRunner({ app });
      await runner.start();
      try {
        const err = (await bad.result({ timeoutMs: 20_000 }).catch((e: unknown) => e)) as TaskFailedError;
        expect(err).toBeInstanceOf(TaskFailedError);
        expect(err.originalCode).toBe(ErrorCode.CorruptRecord);
        expect(err.message).toContain(bad.id);
        expect(await good.result({ timeoutMs: 20_000 })).toBe("next");
        expect(await argsOf()).toBe("{oops"); // left as it was, for inspection
      } finally {
        await runner.stop();
      }
    });

    it("a broker message naming no invocation is dropped; the runner keeps going", async () => {
      const garbage = "no-such-invocation";
      await raw.queueGarbage(garbage);
      const good = await echo("after garbage");
      const runner = new AsyncRunner({ app });
      await runner.start();
      try {
        expect(await good.result({ timeoutMs: 20_000 })).toBe("after garbage");
        const { broker } = await appServices(app).components();
        await expect.poll(async () => (await broker.queued([garbage])).size, { timeout: 10_000 }).toBe(0);
      } finally {
        await runner.stop();
      }
    });

    it("an undecodable stored result: result() rejects with a CorruptRecordError naming it; others are unaffected", async () => {
      const bad = await echo("to break");
      const other = await echo("untouched");
      const runner = new AsyncRunner({ app });
      await runner.start();
      try {
        expect(await bad.result({ timeoutMs: 20_000 })).toBe("to break");
        await raw.breakResult(bad.id);
        const err = await bad.result().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CorruptRecordError);
        expect((err as CorruptRecordError).message).toContain(bad.id);
        expect(await bad.status()).toBe("SUCCESS");
        expect(await other.result({ timeoutMs: 20_000 })).toBe("untouched");
        // Read in the same turn as a sound one: the bad row fails its own caller only.
        await raw.breakOutcome(bad.id);
        const [badRow, sound] = await Promise.allSettled([bad.result(), other.result()]);
        if (badRow.status !== "rejected") throw new Error(`expected a rejection, got ${String(badRow.value)}`);
        expect(badRow.reason).toBeInstanceOf(CorruptRecordError);
        expect((badRow.reason as Error).message).toContain(bad.id);
        expect(sound).toEqual({ status: "fulfilled", value: "untouched" });
      } finally {
        await runner.stop();
      }
    });

    it("a history entry with an unknown status: history() is a CorruptRecordError naming the invocation", async () => {
      const inv = await echo("h");
      await raw.breakHistory(inv.id);
      const err = await inv.history().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptRecordError);
      expect((err as CorruptRecordError).message).toContain(inv.id);
      expect(await inv.status()).toBe("REGISTERED");
    });

    it("a queued invocation with an unknown status is left out of its claim batch; the others start at once", async () => {
      // No pending pass within the test: only the runner's own handling can start `good`.
      const strict = makeApp({ maxPendingSeconds: 600 });
      const strictEcho = strict.task(async (v: string) => v, { name: "echo" });
      const broken = await strictEcho("broken");
      await raw.breakStatus(broken.id);
      const good = await strictEcho("good");
      const runner = new AsyncRunner({ app: strict });
      await runner.start();
      try {
        expect(await good.result({ timeoutMs: 20_000 })).toBe("good");
        const { broker } = await appServices(strict).components();
        expect((await broker.queued([broken.id])).size).toBe(0);
      } finally {
        await runner.stop();
        await strict.close();
      }
    });

    it("an unknown status is a CorruptRecordError naming the invocation", async () => {
      const inv = await echo("x");
      await raw.breakStatus(inv.id);
      const err = await inv.status().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptRecordError);
      expect((err as CorruptRecordError).message).toContain(inv.id);
    });
  });
}

{
  const backend = sqliteBackend();
  const p = tablePrefix(String(backend.options.appId));
  scenarios(
    "sqlite",
    (extra = {}) => new Nenc({ ...backend.options, logLevel: "silent", ...extra }),
    () => {
      const db = new Database(String(backend.options.sqliteDbPath));
      return {
        async breakArgs(id) {
          db.prepare(`UPDATE ${p}invocations SET args = '{oops' WHERE id = ?`).run(id);
          return async () =>
            (db.prepare(`SELECT args FROM ${p}invocations WHERE id = ?`).get(id) as { args: string }).args;
        },
        async breakStatus(id) {
          db.prepare(`UPDATE ${p}status SET status = 'BOGUS' WHERE id = ?`).run(id);
        },
        async breakResult(id) {
          db.prepare(`UPDATE ${p}outcomes SET value = '{oops' WHERE id = ?`).run(id);
        },
        async breakOutcome(id) {
          db.prepare(`UPDATE ${p}outcomes SET kind = 'error', value = '{oops' WHERE id = ?`).run(id);
        },
        async breakHistory(id) {
          db.prepare(`UPDATE ${p}history SET status = 'BOGUS' WHERE invocation_id = ? AND seq = 1`).run(id);
        },
        async queueGarbage(id) {
          db.prepare(`INSERT INTO ${p}queue (id, priority, available_at, queue) VALUES (?, 0, 0, 'default')`).run(id);
        },
        close: async () => {
          db.close();
        },
      };
    },
    async () => {},
  );
}

await forServer("postgres", "corrupt rows (postgres)", () => {
  const backend = postgresBackend();
  const appId = String(backend.options.appId);
  scenarios(
    "postgres",
    (extra = {}) => new Nenc({ ...backend.options, logLevel: "silent", ...extra }),
    () => {
      const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      const ready = client.connect();
      const s = schemaOf(appId);
      return {
        async breakArgs(id) {
          await ready;
          await client.query(`UPDATE ${s}.invocations SET args = '{oops' WHERE id = $1`, [id]);
          return async () =>
            (await client.query(`SELECT args FROM ${s}.invocations WHERE id = $1`, [id])).rows[0]?.args ?? null;
        },
        async breakStatus(id) {
          await ready;
          await client.query(`UPDATE ${s}.status SET status = 'BOGUS' WHERE id = $1`, [id]);
        },
        async breakResult(id) {
          await ready;
          await client.query(`UPDATE ${s}.outcomes SET value = '{oops' WHERE id = $1`, [id]);
        },
        async breakOutcome(id) {
          await ready;
          await client.query(`UPDATE ${s}.outcomes SET kind = 'error', value = '{oops' WHERE id = $1`, [id]);
        },
        async breakHistory(id) {
          await ready;
          await client.query(`UPDATE ${s}.history SET status = 'BOGUS' WHERE invocation_id = $1 AND seq = 1`, [id]);
        },
        async queueGarbage(id) {
          await ready;
          await client.query(
            `INSERT INTO ${s}.queue (id, priority, available_at, queue) VALUES ($1, 0, 0, 'default')`,
            [id],
          );
        },
        close: () => client.end(),
      };
    },
    () => backend.dropSchema(),
  );
});

await forServer("redis", "corrupt rows (redis)", () => {
  const backend = redisBackend();
  const appId = String(backend.options.appId);
  scenarios(
    "redis",
    (extra = {}) => new Nenc({ ...backend.options, logLevel: "silent", ...extra }),
    () => {
      const client = new Redis(REDIS_TEST_URL);
      const data = (id: string) => `nenc:{${appId}}:s:inv:${id}`;
      return {
        async breakArgs(id) {
          const stored = JSON.parse((await client.get(data(id))) ?? "{}") as Record<string, unknown>;
          await client.set(data(id), JSON.stringify({ ...stored, args: "{oops" }));
          return async () => (JSON.parse((await client.get(data(id))) ?? "{}") as { args?: string }).args ?? null;
        },
        async breakStatus(id) {
          await client.hset(`nenc:{${appId}}:o:inv:${id}`, "status", "BOGUS");
        },
        async breakResult(id) {
          await client.hset(`nenc:{${appId}}:o:inv:${id}`, "value", "{oops");
        },
        async breakOutcome(id) {
          await client.hset(`nenc:{${appId}}:o:inv:${id}`, "kind", "bogus");
        },
        async breakHistory(id) {
          const key = `nenc:{${appId}}:o:hist:${id}`;
          const first = JSON.parse((await client.lindex(key, 0)) ?? "{}") as Record<string, unknown>;
          await client.lset(key, 0, JSON.stringify({ ...first, status: "BOGUS" }));
        },
        async queueGarbage(id) {
          const b = `nenc:{${appId}}:b:`;
          await client.zadd(`${b}ready:default`, 0, id);
          await client.hset(`${b}qof`, id, "default");
          await client.hset(`${b}queued`, id, "0");
          await client.sadd(`${b}queues`, "default");
        },
        close: async () => {
          client.disconnect();
        },
      };
    },
    async () => {},
  );
});
