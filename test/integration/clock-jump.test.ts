/**
 * A clock jump of minutes on one runner (its process's wall clock shifted by ±5 minutes) on
 * PostgreSQL and Redis: liveness, heartbeats and leases are judged by the server's clock, so
 * no healthy runner is declared dead, nothing is recovered, and all the work completes.
 */
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import { Nenc } from "../../src/index.js";
import { defineTasks } from "../fixtures/tasks.js";
import type { TestBackend } from "../helpers/backends.js";
import { postgresBackend } from "../helpers/postgres.js";
import { killAllRunners, spawnRunner } from "../helpers/processes.js";
import { redisBackend } from "../helpers/redis.js";
import { forServer } from "../helpers/servers.js";

const SKEW = join(import.meta.dirname, "../fixtures/clock-skew.mjs");

function clockJump(name: string, backend: TestBackend, cleanup: () => Promise<void>) {
  describe(`a clock jump on one runner (${name})`, () => {
    const app = new Nenc({ ...backend.options, logLevel: "silent" });
    const tasks = defineTasks(app);

    afterEach(async () => {
      await killAllRunners();
    });
    afterAll(async () => {
      await app.purge();
      await app.close();
      await cleanup();
    });

    it("runners 5 minutes ahead and 5 minutes behind are not declared dead; nothing is recovered", async () => {
      const runners = [0, 300_000, -300_000].map((skew) =>
        spawnRunner({
          env: {
            ...backend.env,
            ...(skew ? { NODE_OPTIONS: `--import ${SKEW}`, NENC_TEST_CLOCK_SKEW_MS: String(skew) } : {}),
          },
          runner: "AsyncRunner",
        }),
      );
      await Promise.all(runners.map((r) => r.waitFor(/AsyncRunner \S+ started/, 90_000)));
      const invs = await Promise.all(Array.from({ length: 30 }, (_, i) => tasks.sleepTask(100, `t-${i}`)));
      const results = await Promise.all(invs.map((i) => i.result({ timeoutMs: 60_000 })));
      expect(results).toHaveLength(30);
      // Longer than the dead-after window (3 s here) several times over, with work going on.
      const more = await Promise.all(Array.from({ length: 30 }, (_, i) => tasks.sleepTask(300, `u-${i}`)));
      await new Promise((r) => setTimeout(r, 10_000));
      await Promise.all(more.map((i) => i.result({ timeoutMs: 60_000 })));
      const { orchestrator } = await appServices(app).components();
      const records = (await orchestrator.runners()).filter((r) => r.stoppedAt === null);
      expect(records.map((r) => r.deadNote)).toEqual(records.map(() => null));
      for (const inv of [...invs, ...more]) {
        const statuses = (await inv.history()).map((h) => h.status);
        expect(statuses).not.toContain("RUNNING_RECOVERY");
        expect(statuses).not.toContain("PENDING_RECOVERY");
      }
    }, 240_000);
  });
}

await forServer("postgres", "clock jump (postgres)", () => {
  const backend = postgresBackend();
  clockJump("postgres", backend, () => backend.dropSchema());
});

await forServer("redis", "clock jump (redis)", () => {
  clockJump("redis", redisBackend(), async () => {});
});
