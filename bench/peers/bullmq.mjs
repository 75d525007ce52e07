// BullMQ adapter (Redis): documented API, one Queue, Worker with concurrency, QueueEvents for results.
import { Queue, QueueEvents, Worker } from "bullmq";
import { runWorker, slowJob } from "./common.mjs";

const connection = { host: "127.0.0.1", port: 6379 };

export const system = {
  name: "BullMQ",
  engine: "redis",
  version: "6.7.0",
  settings:
    "Worker concurrency 50; jobs kept after completion (removeOnComplete off) so completions are counted in Redis; fastest recovery: lockDuration 1000 ms, stalledInterval 500 ms (defaults 30 s / 30 s)",
  async open(tag) {
    const ctx = { queue: `bench-${tag}` };
    this.q = new Queue(ctx.queue, { connection });
    this.events = new QueueEvents(ctx.queue, { connection });
    await this.events.waitUntilReady();
    return ctx;
  },
  async addBulk(_ctx, n, kind = "noop", data = {}) {
    for (let i = 0; i < n; i += 1000) {
      await this.q.addBulk(
        Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: kind, data: { ...data, n: i + k } })),
      );
    }
  },
  async addOne(_ctx, i) {
    await this.q.add("noop", { n: i });
  },
  async countDone() {
    return (await this.q.getJobCounts("completed")).completed;
  },
  /** One job: when it started (its result) and when the caller holds the result. */
  async latencyOnce() {
    const called = performance.timeOrigin + performance.now();
    const job = await this.q.add("stamp", {});
    const started = await job.waitUntilFinished(this.events);
    return { toStart: started - called, toDone: performance.timeOrigin + performance.now() - called };
  },
  async work(ctx, concurrency, fast) {
    const worker = new Worker(
      ctx.queue,
      async (job) => {
        if (job.name === "stamp") return performance.timeOrigin + performance.now();
        if (job.name === "slow") return slowJob(job.data);
        return null;
      },
      { connection, concurrency, ...(fast ? { lockDuration: 1000, stalledInterval: 500 } : {}) },
    );
    await worker.waitUntilReady();
    return () => worker.close(true);
  },
  async close(_ctx) {
    await this.q.obliterate({ force: true });
    await this.events.close();
    await this.q.close();
  },
};

await runWorker(system);
