import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { pgctl } from "../../chaos/servers.js";
import { canTransition, type Status } from "../../src/core/status.js";
import { Nenc } from "../../src/index.js";
import { defineTasks } from "../fixtures/tasks.js";
import { POSTGRES_TEST_URL, postgresBackend, schemaOf } from "../helpers/postgres.js";
import { killAllRunners, spawnRunner, waitUntil } from "../helpers/processes.js";
import { forServer, reachable } from "../helpers/servers.js";

/** Start the server unless it answers already (never leave it down, even when the test fails). */
async function ensureServerUp(): Promise<void> {
  if (await reachable(5432)) return;
  try {
    pgctl("start");
  } catch {
    // "already running" races are fine; the wait below decides.
  }
  await waitUntil(() => reachable(5432), 30_000, "PostgreSQL to answer again");
}

async function countSuccess(schema: string): Promise<number> {
  const c = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await c.connect();
  try {
    const r = await c.query(`SELECT count(*)::int AS n FROM "${schema}".status WHERE status = 'SUCCESS'`);
    return (r.rows[0] as { n: number }).n;
  } finally {
    await c.end();
  }
}

/** On failure: what the invocations that did not finish look like, and the runner's warnings. */
async function explainStuck(schema: string, output: string): Promise<void> {
  const c = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await c.connect();
  try {
    const counts = await c.query(`SELECT status, count(*)::int AS n FROM "${schema}".status GROUP BY 1`);
    const stuck = await c.query(
      `SELECT s.*, (SELECT json_agg(h ORDER BY seq) FROM "${schema}".history h WHERE h.invocation_id = s.id) AS hist,
         (SELECT count(*)::int FROM "${schema}".queue q WHERE q.id = s.id) AS queued
       FROM "${schema}".status s WHERE status <> 'SUCCESS' LIMIT 3`,
    );
    const warnings = output.split("\n").filter((l) => !l.includes("INFO") || /recover|reachable/.test(l));
    console.error(
      JSON.stringify({ counts: counts.rows, stuck: stuck.rows }, null, 1),
      warnings.slice(0, 80).join("\n"),
    );
  } finally {
    await c.end();
  }
}

await forServer("postgres", "postgres: server restart", () => {
  describe("postgres: server restart in the middle of a run", () => {
    // A long dead-after window: this test is about the backend riding out the restart, not
    // about how runners treat heartbeats missed during an outage.
    const backend = postgresBackend({ runnerConsideredDeadAfterMinutes: 0.5 });
    const app = new Nenc(backend.options);
    const tasks = defineTasks(app);
    const schema = schemaOf(String(backend.options.appId));

    afterAll(async () => {
      await killAllRunners();
      await ensureServerUp();
      await app.purge().catch(() => {});
      await app.close();
      await backend.dropSchema();
    });

    it("every invocation completes exactly as recorded", async () => {
      const N = 300;
      const runner = spawnRunner({ env: backend.env, runner: "AsyncRunner", concurrency: 10 });
      await runner.waitFor(/AsyncRunner \S+ started/);
      const invs = await Promise.all(Array.from({ length: N }, (_, i) => tasks.sleepTask(40, `out-${i}`)));
      const results = Promise.all(invs.map((inv) => inv.result({ timeoutMs: 60_000 })));
      results.catch(() => {}); // awaited below

      await waitUntil(async () => (await countSuccess(schema)) >= 30, 30_000, "30 invocations done");
      const doneBefore = await countSuccess(schema);
      const downAt = Date.now();
      try {
        pgctl("stop");
        await new Promise((r) => setTimeout(r, 2000));
      } finally {
        await ensureServerUp();
      }
      const downMs = Date.now() - downAt;
      expect(doneBefore).toBeLessThan(N); // the restart really was in the middle

      const values = await results.catch(async (err: unknown) => {
        await explainStuck(schema, runner.output());
        throw err;
      });
      expect(values.map((v) => v.tag)).toEqual(invs.map((_, i) => `out-${i}`));
      for (const v of values) expect(v.pid).toBe(runner.pid);

      let recovered = 0;
      for (const inv of invs) {
        expect(await inv.status()).toBe("SUCCESS");
        const hist = await inv.history();
        expect(hist.map((h) => h.seq)).toEqual(hist.map((_, i) => i + 1));
        let prev: Status | null = null;
        for (const h of hist) {
          expect(canTransition(prev, h.status), `${prev} -> ${h.status} in ${inv.id}`).toBe(true);
          prev = h.status;
        }
        expect(hist.filter((h) => h.status === "SUCCESS")).toHaveLength(1);
        expect(hist.at(-1)?.status).toBe("SUCCESS");
        if (hist.some((h) => h.status === "REROUTED")) recovered++;
      }

      // The runner rode out the outage: it logged it, its LISTEN connection came back, and it
      // is still running.
      const out = runner.output();
      expect(out).toMatch(/LISTEN connection to \S+ lost/);
      expect(out).toMatch(/LISTEN connection to \S+ restored/);
      expect(out).toMatch(/PostgreSQL at \S+ is unreachable/);
      expect(out).toMatch(/PostgreSQL at \S+ is reachable again/);
      expect(runner.proc.exitCode).toBeNull();
      console.info(
        `restart: ${doneBefore}/${N} done before, server down ${downMs} ms, ${recovered} invocations went through recovery`,
      );
      runner.proc.kill("SIGTERM");
      expect((await runner.exited).code).toBe(0);
    });
  });
});
