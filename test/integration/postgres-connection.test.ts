/**
 * PostgreSQL-specific behaviour the shared suites do not cover: start-up errors, schema
 * versioning and ownership, corrupt rows, and recovery from dropped connections (killed with
 * pg_terminate_backend, so the shared server is never restarted here).
 */
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { PostgresHandle } from "../../src/backends/postgres/pool.js";
import { closeComponents, createComponents } from "../../src/backends/registry.js";
import { defaultConfig, type NencConfig } from "../../src/config/schema.js";
import type { Components } from "../../src/core/contract/index.js";
import { BackendError, ConfigError, CorruptRecordError, ErrorCode } from "../../src/errors/index.js";
import { testAppId } from "../helpers/backends.js";
import { claimWhenHeard, wokenByRoute } from "../helpers/claims.js";
import { dropSchemas, POSTGRES_TEST_URL, schemaOf } from "../helpers/postgres.js";
import { waitUntil } from "../helpers/processes.js";
import { forServer } from "../helpers/servers.js";

/** The versions of the numbered migration files this code ships. */
const MIGRATIONS = readdirSync(join(import.meta.dirname, "../../src/backends/postgres/migrations"))
  .filter((f) => /^\d{4}_.*\.sql$/.test(f))
  .map((f) => Number(f.slice(0, 4)))
  .sort((a, b) => a - b);

await forServer("postgres", "postgres backend", () => {
  describe("postgres backend: connections, schema and outages", () => {
    const appIds = new Set<string>();
    const sharedSchema = `nenc_shared_${randomUUID().replaceAll("-", "").slice(0, 10)}`;
    const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    let adminReady: Promise<unknown> | null = null;
    const sql = async (text: string, values?: unknown[]) => {
      adminReady ??= admin.connect();
      await adminReady;
      return (await admin.query(text, values)).rows as Record<string, unknown>[];
    };

    afterAll(async () => {
      await dropSchemas(appIds);
      await sql(`DROP SCHEMA IF EXISTS "${sharedSchema}" CASCADE`);
      await admin.end();
    });

    const config = (over: Partial<NencConfig> = {}): NencConfig => {
      const appId = over.appId ?? testAppId("pgc");
      appIds.add(appId);
      return { ...defaultConfig(), backend: "postgres", postgresUrl: POSTGRES_TEST_URL, ...over, appId };
    };
    const inv = () => {
      const id = randomUUID();
      return { id, taskId: "t", args: "[]", parentId: null, workflowId: id, createdAt: Date.now() };
    };

    it("a refused connection fails at start-up with a BackendError naming the URL without its password", async () => {
      const url = "postgres://postgres:s3cret@127.0.0.1:1/test";
      const err = await createComponents(config({ postgresUrl: url })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).code).toBe(ErrorCode.Backend);
      expect((err as Error).message).toContain("postgres://postgres:***@127.0.0.1:1/test");
      expect((err as Error).message).not.toContain("s3cret");
      expect((err as Error).message).toMatch(/postgresUrl/);
    });

    it("a URL that is not a PostgreSQL URL is refused at start-up", async () => {
      const err = await createComponents(config({ postgresUrl: "localhost:5432" })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as Error).message).toMatch(/is not a PostgreSQL URL/);
    });

    it("a schema at a newer version than the code knows is refused", async () => {
      const cfg = config();
      await closeComponents(await createComponents(cfg));
      await sql(`INSERT INTO "${schemaOf(cfg.appId)}".migrations (version, name) VALUES (9999, '9999_future.sql')`);
      const err = await createComponents(cfg).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as Error).message).toContain(`version 9999, newer than this nenc knows (${MIGRATIONS.at(-1)})`);
    });

    it("one schema holds one app: another app id on the same postgresSchema is refused", async () => {
      const a = await createComponents(config({ postgresSchema: sharedSchema }));
      const err = await createComponents(config({ postgresSchema: sharedSchema })).catch((e: unknown) => e);
      await closeComponents(a);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).key).toBe("postgresSchema");
    });

    it("migrations run once under concurrent start-ups", async () => {
      const cfg = config();
      // Different pool sizes: separate handles, so separate migrate calls racing on the lock.
      const all = await Promise.all([1, 2, 3, 4].map((n) => createComponents({ ...cfg, postgresPoolSize: n })));
      await Promise.all(all.map(closeComponents));
      const rows = await sql(`SELECT version FROM "${schemaOf(cfg.appId)}".migrations`);
      expect(rows.map((r) => Number(r.version)).sort((a, b) => a - b)).toEqual(MIGRATIONS);
    });

    it("a row that cannot be decoded throws CorruptRecordError", async () => {
      const cfg = config();
      const c = await createComponents(cfg);
      try {
        const a = inv();
        await c.stateBackend.saveInvocations([a]);
        await c.orchestrator.register([a]);
        await sql(`UPDATE "${schemaOf(cfg.appId)}".status SET status = 'BOGUS' WHERE id = $1`, [a.id]);
        await expect(c.orchestrator.getStatuses([a.id])).rejects.toBeInstanceOf(CorruptRecordError);
        await expect(c.orchestrator.transition([{ id: a.id, to: "PENDING", runnerId: "r" }])).rejects.toBeInstanceOf(
          CorruptRecordError,
        );
      } finally {
        await closeComponents(c);
      }
    });

    it("a transition whose COMMIT landed but whose reply was lost is recognised when retried", async () => {
      const c = await createComponents(config());
      try {
        // Run each transaction for real (it commits), then run it again as the retry after a
        // lost reply would (attempt 1): the retry must report the committed write, not refuse it.
        type Tx = (what: string, fn: (q: unknown, attempt: number) => Promise<unknown>) => Promise<unknown>;
        const handle = (c.orchestrator as unknown as { h: { tx: Tx } }).h;
        const realTx = handle.tx.bind(handle);
        handle.tx = async (what, fn) => {
          await realTx(what, fn);
          return realTx(what, (q, attempt) => fn(q, attempt + 1));
        };
        const a = inv();
        await c.stateBackend.saveInvocations([a]);
        await c.orchestrator.register([a]);
        const [p] = await c.orchestrator.transition([{ id: a.id, to: "PENDING", runnerId: "r1" }]);
        expect(p).toMatchObject({ ok: true, from: "REGISTERED", to: "PENDING", ownerId: "r1", token: 1 });
        const [r] = await c.orchestrator.transition([{ id: a.id, to: "RUNNING", runnerId: "r1", token: 1 }]);
        expect(r).toMatchObject({ ok: true, from: "PENDING", to: "RUNNING", token: 1 });
        // Recovery takes it over (also recognised on its retry)...
        const [other] = await c.orchestrator.transition([{ id: a.id, to: "RUNNING_RECOVERY", runnerId: "x" }]);
        expect(other).toMatchObject({ ok: true, to: "RUNNING_RECOVERY", ownerId: "x", token: 2 });
        // ...and the old owner's late write is still refused, retry or not.
        const [late] = await c.orchestrator.transition([
          { id: a.id, to: "SUCCESS", runnerId: "r1", token: 1, outcome: { kind: "result", value: "1" } },
        ]);
        expect(late).toMatchObject({ ok: false, reason: "invalid-transition" });
        const hist = await c.orchestrator.history(a.id);
        expect(hist.map((h) => h.status)).toEqual(["REGISTERED", "PENDING", "RUNNING", "RUNNING_RECOVERY"]);
        expect(await c.orchestrator.getOutcome(a.id)).toBeNull();
      } finally {
        await closeComponents(c);
      }
    });

    it("dropped connections: the pool replaces them and the LISTEN connection comes back", async () => {
      const cfg = config();
      const schema = schemaOf(cfg.appId);
      const c: Components = await createComponents(cfg);
      try {
        const a = inv();
        await c.stateBackend.saveInvocations([a]);
        await c.orchestrator.register([a]);
        await c.orchestrator.waitForChange([a.id], 10); // opens the LISTEN connection
        const listenerPid = async () =>
          (await sql("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [`nenc-listen:${schema}`]))[0]
            ?.pid;
        // The LISTEN connection opens in the background: wait for it on a loaded machine.
        await waitUntil(async () => (await listenerPid()) !== undefined, 10_000, "the LISTEN connection");
        const first = await listenerPid();
        expect(first).toBeDefined();
        const killed = await sql(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name IN ($1, $2)",
          [`nenc:${schema}`, `nenc-listen:${schema}`],
        );
        expect(killed.length).toBeGreaterThanOrEqual(2);
        // The pool's dead clients are replaced: the next calls work.
        expect((await c.orchestrator.getStatuses([a.id])).get(a.id)?.status).toBe("REGISTERED");
        await waitUntil(async () => ((await listenerPid()) ?? first) !== first, 10_000, "a new LISTEN connection");
        // A waiter is woken by a NOTIFY on the new connection, well before its timeout.
        const started = Date.now();
        const waiting = c.orchestrator.waitForChange([a.id], 10_000);
        await new Promise((r) => setTimeout(r, 50));
        await c.orchestrator.transition([{ id: a.id, to: "PENDING", runnerId: "r" }]);
        await waiting;
        expect(Date.now() - started).toBeLessThan(5000);
        const broker = c.broker;
        const wake = broker.waitForWork(10_000);
        await new Promise((r) => setTimeout(r, 50));
        await broker.route([{ id: "w" }]);
        await wake;
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await closeComponents(c);
      }
    });

    // What such a wait wakes for is a conformance case; here, that it runs no query of its own.
    it("a runner's wait after a claim that found the queues empty does not look again", async () => {
      const c = await createComponents(config());
      try {
        const { claim, empty } = await claimWhenHeard(c);
        expect(empty.ids).toEqual([]);
        expect(empty.next?.inMs).toBe(-1);
        // The wait runs no query of its own (the broker's look is named "waitForWork").
        const looks = vi.spyOn(PostgresHandle.prototype, "query");
        try {
          const waited = await wokenByRoute(c, empty.next);
          expect(waited).toBeGreaterThanOrEqual(150);
          expect(waited).toBeLessThan(5000);
          expect(looks.mock.calls.filter((call) => call[0] === "waitForWork")).toEqual([]);
        } finally {
          looks.mockRestore();
        }
        expect((await claim()).ids).toEqual(["x"]);
      } finally {
        await closeComponents(c);
      }
    });
  });
});
