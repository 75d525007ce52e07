/**
 * Real-process recovery scenarios, shared by every backend: runner processes are started
 * with `nenc runner start`, then killed with SIGKILL, stopped with SIGTERM, or frozen with
 * SIGSTOP. Each backend's test file calls `runRecoveryScenarios` once.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, Nenc, TaskFailedError } from "../../src/index.js";
import { defineTasks } from "../fixtures/tasks.js";
import type { TestBackend } from "../helpers/backends.js";
import { killAllRunners, spawnRunner, waitUntil } from "../helpers/processes.js";

export function runRecoveryScenarios(makeBackend: () => TestBackend | Promise<TestBackend>): void {
  let backend: TestBackend;
  let app: Nenc;
  let tasks: ReturnType<typeof defineTasks>;

  beforeAll(async () => {
    backend = await makeBackend();
    app = new Nenc(backend.options);
    tasks = defineTasks(app);
    await app.purge();
  });

  // Scenarios leave their surviving runners up; nothing outlives its test.
  afterEach(async () => {
    await killAllRunners();
  });

  afterAll(async () => {
    await app?.purge();
    await app?.close();
  });

  const statusesOf = async (ids: string[]) => Promise.all(ids.map((id) => app.getInvocation(id).status()));
  const historyOf = async (id: string) => (await app.getInvocation(id).history()).map((h) => h.status);

  describe(`recovery with real processes (${backendName()})`, () => {
    it("SIGKILL mid-task: a second runner recovers and finishes every invocation", async () => {
      const a = spawnRunner({ env: backend.env, runner: "ThreadRunner", concurrency: 3 });
      await a.waitFor(/ThreadRunner \S+ started/);
      const invs = await Promise.all([0, 1, 2].map((i) => tasks.sleepTask(5000, `kill-${i}`)));
      const ids = invs.map((i) => i.id);
      await waitUntil(async () => (await statusesOf(ids)).every((s) => s === "RUNNING"), 20_000, "all RUNNING on A");
      a.proc.kill("SIGKILL");
      expect((await a.exited).signal).toBe("SIGKILL");
      const b = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await b.waitFor(/AsyncRunner \S+ started/);
      const results = await Promise.all(invs.map((i) => i.result({ timeoutMs: 40_000 })));
      expect(results.map((r) => r.tag)).toEqual(["kill-0", "kill-1", "kill-2"]);
      for (const r of results) expect(r.pid).toBe(b.pid);
      for (const id of ids) {
        const h = await historyOf(id);
        expect(h).toContain("RUNNING_RECOVERY");
        expect(h).toContain("REROUTED");
        expect(h.at(-1)).toBe("SUCCESS");
      }
      await b.waitFor(/recovered invocation/);
    });

    it("SIGTERM with --drain-seconds 0: the runner hands its work back at once and exits 0; another finishes it", async () => {
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner", drainSeconds: 0 });
      await a.waitFor(/AsyncRunner \S+ started/);
      // The tasks run until the gate file exists, so A cannot finish them however slow B is to start.
      const gate = join(mkdtempSync(join(tmpdir(), "nenc-gate-")), "open");
      const invs = await Promise.all([0, 1].map((i) => tasks.gated(gate, `term-${i}`, false)));
      const ids = invs.map((i) => i.id);
      await waitUntil(async () => (await statusesOf(ids)).every((s) => s === "RUNNING"), 20_000, "all RUNNING on A");
      a.proc.kill("SIGTERM");
      expect((await a.exited).code).toBe(0);
      // Handed back at once: queued again before any heartbeat could expire.
      expect(await statusesOf(ids)).toEqual(["REROUTED", "REROUTED"]);
      const b = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await b.waitFor(/AsyncRunner \S+ started/);
      writeFileSync(gate, "");
      const results = await Promise.all(invs.map((i) => i.result({ timeoutMs: 30_000 })));
      for (const r of results) expect(r.pid).toBe(b.pid);
      for (const id of ids) {
        const h = await historyOf(id);
        // Handed back (KILLED, REROUTED), not recovered through heartbeat expiry.
        expect(h).toEqual(["REGISTERED", "PENDING", "RUNNING", "KILLED", "REROUTED", "PENDING", "RUNNING", "SUCCESS"]);
      }
    });

    it("SIGSTOP past the dead-after window: the zombie's late result is refused by its fencing token", async () => {
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await a.waitFor(/AsyncRunner \S+ started/);
      const inv = await tasks.sleepTask(4000, "zombie");
      await waitUntil(async () => (await inv.status()) === "RUNNING", 20_000, "RUNNING on A");
      a.proc.kill("SIGSTOP");
      const b = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await b.waitFor(/AsyncRunner \S+ started/);
      const result = await inv.result({ timeoutMs: 40_000 });
      expect(result.pid).toBe(b.pid);
      const before = await app.getInvocation(inv.id).history();
      a.proc.kill("SIGCONT");
      await a.waitFor(/write refused for invocation \S+ \(SUCCESS, fencing token \d+\)/, 20_000);
      const after = await app.getInvocation(inv.id).history();
      expect(after).toEqual(before);
      expect(after.map((h) => h.status)).toContain("RUNNING_RECOVERY");
      expect((await inv.result()).pid).toBe(b.pid);
      a.proc.kill("SIGTERM");
      await a.exited;
    });

    it("a task blocking the event loop for 3x the dead-after window is not recovered", async () => {
      const deadAfterMs = (backend.options.runnerConsideredDeadAfterMinutes ?? 0.05) * 60_000;
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await a.waitFor(/AsyncRunner \S+ started/);
      const watcher = spawnRunner({ env: backend.env, runner: "AsyncRunner", concurrency: 1 });
      await watcher.waitFor(/AsyncRunner \S+ started/);
      const inv = await tasks.busyLoop(deadAfterMs * 3);
      const result = await inv.result({ timeoutMs: deadAfterMs * 3 + 30_000 });
      const h = await historyOf(inv.id);
      expect(h).toEqual(["REGISTERED", "PENDING", "RUNNING", "SUCCESS"]);
      expect([a.pid, watcher.pid]).toContain(result.pid);
    });

    it("a task that returns nothing succeeds and its result() resolves to undefined (ThreadRunner)", async () => {
      const a = spawnRunner({ env: backend.env, runner: "ThreadRunner", concurrency: 1 });
      await a.waitFor(/ThreadRunner \S+ started/);
      const inv = await tasks.nothing(1);
      expect(await inv.result({ timeoutMs: 30_000 })).toBeUndefined();
      expect(await inv.status()).toBe("SUCCESS");
    });

    it("an invocation of a task no runner knows becomes FAILED and the runner keeps going", async () => {
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await a.waitFor(/AsyncRunner \S+ started/);
      const onlyHere = app.task(async () => "never", { name: `onlyInCaller_${Date.now()}` });
      const orphan = await onlyHere();
      const err = await orphan.result({ timeoutMs: 20_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskFailedError);
      expect((err as TaskFailedError).originalCode).toBe(ErrorCode.UnknownTask);
      expect((err as TaskFailedError).message).toMatch(/No task "onlyInCaller_\d+" is registered/);
      expect(await (await tasks.add(2, 3)).result({ timeoutMs: 20_000 })).toBe(5);
      const failed = await tasks.fail("bad input");
      const ferr = (await failed.result({ timeoutMs: 20_000 }).catch((e: unknown) => e)) as TaskFailedError;
      expect(ferr.originalName).toBe("TypeError");
      expect(ferr.message).toBe("bad input");
      expect(ferr.stack).toContain("bad input");
      expect((ferr.cause as Error).message).toBe("root cause");
    });
  });

  function backendName(): string {
    return backend?.name ?? "backend";
  }
}
