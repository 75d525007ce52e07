/**
 * Real-process scheduling scenarios: a delayed call survives a restart of every process, and
 * `nenc runner start --queues` limits a runner to its queues. A backend's test file calls
 * `runSchedulingScenarios` once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Nenc } from "../../src/index.js";
import { defineTasks } from "../fixtures/tasks.js";
import type { TestBackend } from "../helpers/backends.js";
import { killAllRunners, spawnRunner } from "../helpers/processes.js";

export function runSchedulingScenarios(name: string, makeBackend: () => TestBackend | Promise<TestBackend>): void {
  let backend: TestBackend;
  const apps: Nenc[] = [];
  const open = () => {
    const app = new Nenc(backend.options);
    apps.push(app);
    return { app, tasks: defineTasks(app) };
  };

  beforeAll(async () => {
    backend = await makeBackend();
  });
  afterEach(async () => {
    await killAllRunners();
  });
  afterAll(async () => {
    await apps[0]?.purge();
    for (const a of apps) await a.close();
  });

  describe(`scheduling with real processes (${name})`, () => {
    it("a delayed call survives a restart of every process and does not start before its time", async () => {
      const a = spawnRunner({ env: backend.env });
      await a.waitFor(/AsyncRunner \S+ started/);
      const caller = open();
      const calledAt = Date.now();
      const inv = await caller.tasks.add.with({ delayMs: 4000 })(2, 3);
      // Every process goes: the runner is killed, the caller closes its connections.
      a.proc.kill("SIGKILL");
      await a.exited;
      await caller.app.close();
      const afterRestart = open();
      const again = afterRestart.app.getInvocation<number>(inv.id);
      expect(await again.status()).toBe("REGISTERED");
      const b = spawnRunner({ env: backend.env });
      await b.waitFor(/AsyncRunner \S+ started/);
      expect(await again.result({ timeoutMs: 30_000 })).toBe(5);
      const running = (await again.history()).find((h) => h.status === "RUNNING");
      expect(running?.at).toBeGreaterThanOrEqual(calledAt + 4000);
      expect(running?.ownerId).toBe(b.output().match(/AsyncRunner (\S+) started/)?.[1]);
    });

    it("a runner started with --queues a takes only queue a; one without --queues takes every queue", async () => {
      const { tasks } = open();
      // b is routed first: a runner of every queue would take it before a.
      const inB = await tasks.inQueueB("b");
      const inA = await tasks.inQueueA("a");
      const onlyA = spawnRunner({ env: backend.env, queues: "a", concurrency: 1 });
      await onlyA.waitFor(/AsyncRunner \S+ started/);
      expect(await inA.result({ timeoutMs: 30_000 })).toEqual({ tag: "a", pid: onlyA.pid });
      expect(await inB.status()).toBe("REGISTERED");
      const every = spawnRunner({ env: backend.env });
      await every.waitFor(/AsyncRunner \S+ started/);
      expect(await inB.result({ timeoutMs: 30_000 })).toEqual({ tag: "b", pid: every.pid });
    });
  });
}
