// pg-boss adapter (PostgreSQL): documented API (createQueue with notify, insert/send, work with
// batchSize); completions counted as jobs in state 'completed'.
import pg from "pg";
import { PgBoss } from "pg-boss";
import { runWorker, slowJob } from "./common.mjs";
import { listener, notifier, URL } from "./pg-notify.mjs";

const boss = (schema) => new PgBoss({ connectionString: URL, schema, supervise: false, schedule: false });

export const system = {
  name: "pg-boss",
  engine: "postgres",
  version: "12.38.0",
  settings:
    "queue with notify: true and useListenNotify (LISTEN/NOTIFY wake-ups), work() with batchSize 50, pollingIntervalSeconds 0.5 (the minimum) and burstWhenReadyExceeds 1 (stats cache every second); fastest recovery: heartbeatSeconds 10 (the minimum), supervision every second",
  async open(tag) {
    const ctx = { schema: `pgboss_bench_${tag}`, queue: `bench_${tag}`, channel: `pgb_bench_${tag}` };
    this.boss = boss(ctx.schema);
    this.boss.on("error", () => {});
    await this.boss.start();
    await this.boss.createQueue(ctx.queue, { notify: true });
    this.pool = new pg.Pool({ connectionString: URL, max: 2 });
    this.listen = await listener(ctx.channel);
    return ctx;
  },
  async addBulk(ctx, n, kind = "noop", data = {}) {
    for (let i = 0; i < n; i += 1000) {
      await this.boss.insert(
        ctx.queue,
        Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ data: { ...data, kind, n: i + k } })),
      );
    }
  },
  async addOne(ctx, i) {
    await this.boss.send(ctx.queue, { kind: "noop", n: i });
  },
  async countDone(ctx) {
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS n FROM "${ctx.schema}".job WHERE name = $1 AND state = 'completed'`,
      [ctx.queue],
    );
    return rows[0].n;
  },
  async latencyOnce(ctx) {
    const ref = Math.random().toString(36).slice(2);
    const done = this.listen.wait(ref);
    const called = performance.timeOrigin + performance.now();
    await this.boss.send(ctx.queue, { kind: "stamp", ref, channel: ctx.channel });
    const started = await done;
    return { toStart: started - called, toDone: performance.timeOrigin + performance.now() - called };
  },
  async work(ctx, concurrency, fast) {
    const notify = await notifier();
    // LISTEN/NOTIFY wake-ups, and burst fetching while a backlog is queued (its stats cache
    // refreshed every second), as pg-boss documents for throughput.
    const worker = new PgBoss({
      connectionString: URL,
      schema: ctx.schema,
      useListenNotify: true,
      supervise: true,
      superviseIntervalSeconds: 1,
      monitorIntervalSeconds: 1,
      queueCacheIntervalSeconds: 1,
      schedule: false,
    });
    worker.on("error", () => {});
    await worker.start();
    if (fast) await worker.updateQueue(ctx.queue, { heartbeatSeconds: 10 });
    const options = {
      batchSize: 10,
      localConcurrency: Math.ceil(concurrency / 10),
      pollingIntervalSeconds: 0.5,
      burstWhenReadyExceeds: 1,
    };
    await worker.work(ctx.queue, options, async (jobs) => {
      await Promise.all(
        jobs.map(async ({ data }) => {
          if (data.kind === "slow") await slowJob(data);
          else if (data.kind === "stamp")
            await notify.done(data.channel, data.ref, performance.timeOrigin + performance.now());
        }),
      );
    });
    return async () => {
      await worker.stop({ graceful: false, wait: true });
      await notify.close();
    };
  },
  async close(ctx) {
    await this.listen.close();
    await this.boss.stop({ graceful: false, wait: true });
    await this.pool.query(`DROP SCHEMA IF EXISTS "${ctx.schema}" CASCADE`);
    await this.pool.end();
  },
};

await runWorker(system);
