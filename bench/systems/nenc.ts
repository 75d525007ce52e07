import { join } from "node:path";
import { appServices } from "../../src/app.js";
import { toEnvVars } from "../../src/config/env-names.js";
import { isFinal, STATUSES } from "../../src/core/status.js";
import type { NencConfigInput } from "../../src/index.js";
import { dropSchemas } from "../../test/helpers/postgres.js";
import type { BenchContext, BenchSystem, WorkerLauncher } from "./types.js";

const ROOT = join(import.meta.dirname, "../..");

/** Recovery in seconds rather than minutes (the chaos run's settings). */
export const FAST_RECOVERY: NencConfigInput = {
  runnerConsideredDeadAfterMinutes: 0.05,
  recoverRunningInvocationsCron: "* * * * * *",
  recoverPendingInvocationsCron: "* * * * * *",
};

const NOT_FINAL = STATUSES.filter((s) => !isFinal(s));

type App = typeof import("../app.js");

interface NencContext extends BenchContext {
  options: NencConfigInput;
  app: App;
}

/** nenc on one engine: the bench app (bench/app.ts), its tasks called as a user would. */
export function nencSystem(engine: "sqlite" | "redis" | "postgres", sqliteDir: string): BenchSystem & WorkerLauncher {
  const mod = (ctx: BenchContext) => (ctx as NencContext).app;
  return {
    name: "nenc",
    engine,
    version: "0.1.0",
    settings:
      "AsyncRunner, concurrency 50 (one process); defaults otherwise; fastest recovery: dead after 3 s, recovery passes every second",
    async open(tag) {
      const options: NencConfigInput = { appId: `bench_${engine}_${tag}`, backend: engine, logLevel: "warn" };
      if (engine === "sqlite") options.sqliteDbPath = join(sqliteDir, `${tag}.sqlite`);
      Object.assign(process.env, toEnvVars(options));
      // A fresh module instance per context: the app reads its config from the environment.
      const app = (await import(`../app.js?ctx=${tag}`)) as App;
      return { options, app } satisfies NencContext;
    },
    async addBulk(ctx, n, kind = "noop", data = {}) {
      const { noop, slow } = mod(ctx);
      for (let i = 0; i < n; i += 1000) {
        await Promise.all(
          Array.from({ length: Math.min(1000, n - i) }, (_, k) =>
            kind === "slow" ? slow(Number(data.ms), String(data.ledger), `${data.tag}-${i + k}`) : noop(i + k),
          ),
        );
      }
    },
    async addOne(ctx, i) {
      await mod(ctx).noop(i);
    },
    async countDone(ctx) {
      const { orchestrator } = await appServices(mod(ctx).app).components();
      return (await orchestrator.countByStatus()).reduce((a, c) => a + (c.status === "SUCCESS" ? c.count : 0), 0);
    },
    async remaining(ctx) {
      const { orchestrator } = await appServices(mod(ctx).app).components();
      // Only compared with 0: one id is enough, and a larger page would load the server it measures.
      return (await orchestrator.find({ statuses: NOT_FINAL, limit: 1 })).length;
    },
    async latencyOnce(ctx) {
      const now = () => performance.timeOrigin + performance.now();
      const called = now();
      const inv = await mod(ctx).stamp();
      const started = await inv.result();
      return { toStart: started - called, toDone: now() - called };
    },
    async close(ctx) {
      await mod(ctx).app.purge();
      await mod(ctx).app.close();
      // purge() empties the app's tables and keeps them: each run would leave its schema behind.
      if (engine === "postgres") await dropSchemas([String((ctx as NencContext).options.appId)]);
    },
    command(ctx, concurrency, fast) {
      const options = { ...(ctx as NencContext).options, ...(fast ? FAST_RECOVERY : {}) };
      return {
        // The built CLI and a JavaScript app: a runner as users run it (no TypeScript loader).
        args: [
          join(ROOT, "dist/cli/main.js"),
          "runner",
          "start",
          "--app",
          join(ROOT, "bench/worker-app.mjs"),
          "--runner",
          "AsyncRunner",
          "--concurrency",
          String(concurrency),
        ],
        env: { ...toEnvVars(options), NENC__LOG_LEVEL: "warn" },
      };
    },
    async ready(ctx, pid) {
      const { orchestrator } = await appServices(mod(ctx).app).components();
      while (!(await orchestrator.runners()).some((r) => r.pid === pid && r.stoppedAt === null)) {
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
