// graphile-worker adapter (PostgreSQL): documented API (makeWorkerUtils.addJobs/addJob, run with a
// taskList); its LISTEN/NOTIFY wake-ups; completed jobs are deleted, so completions are counted
// as jobs added minus jobs left in its table.

import { Logger, makeWorkerUtils, run } from "graphile-worker";
import pg from "pg";
import { runWorker, slowJob } from "./common.mjs";
import { listener, notifier, URL } from "./pg-notify.mjs";

const quiet = new Logger(() => () => {});

export const system = {
  name: "graphile-worker",
  engine: "postgres",
  version: "0.18.0",
  settings:
    "run() with concurrency 50, default pollInterval (2 s; new jobs wake workers by LISTEN/NOTIFY); no crash recovery setting: a dead worker's locked jobs are released after 4 hours",
  async open(tag) {
    const ctx = { schema: `gw_bench_${tag}`, channel: `gw_bench_${tag}` };
    this.utils = await makeWorkerUtils({ connectionString: URL, schema: ctx.schema, logger: quiet });
    await this.utils.migrate();
    this.pool = new pg.Pool({ connectionString: URL, max: 2 });
    this.added = 0;
    this.listen = await listener(ctx.channel);
    return ctx;
  },
  async addBulk(_ctx, n, kind = "noop", data = {}) {
    for (let i = 0; i < n; i += 1000) {
      const specs = Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
        identifier: kind,
        payload: { ...data, n: i + k },
      }));
      await this.utils.addJobs(specs);
      this.added += specs.length;
    }
  },
  async addOne(_ctx, i) {
    await this.utils.addJob("noop", { n: i });
    this.added++;
  },
  async countDone(ctx) {
    const { rows } = await this.pool.query(`SELECT count(*)::int AS n FROM "${ctx.schema}"._private_jobs`);
    return this.added - rows[0].n;
  },
  async latencyOnce(ctx) {
    const ref = Math.random().toString(36).slice(2);
    const done = this.listen.wait(ref);
    const called = performance.timeOrigin + performance.now();
    await this.utils.addJob("stamp", { ref, channel: ctx.channel });
    this.added++;
    const started = await done;
    return { toStart: started - called, toDone: performance.timeOrigin + performance.now() - called };
  },
  async work(ctx, concurrency) {
    const notify = await notifier();
    const runner = await run({
      connectionString: URL,
      schema: ctx.schema,
      concurrency,
      noHandleSignals: true,
      logger: quiet,
      taskList: {
        noop: async () => {},
        slow: async (payload) => {
          await slowJob(payload);
        },
        stamp: async (payload) => {
          await notify.done(payload.channel, payload.ref, performance.timeOrigin + performance.now());
        },
      },
    });
    return async () => {
      await runner.stop();
      await notify.close();
    };
  },
  async close(ctx) {
    await this.listen.close();
    await this.utils.release();
    await this.pool.query(`DROP SCHEMA IF EXISTS "${ctx.schema}" CASCADE`);
    await this.pool.end();
  },
};

await runWorker(system);
