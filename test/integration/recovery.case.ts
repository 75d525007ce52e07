/**
 * Real-process recovery scenarios, shared by every backend: runner processes are started
 * with `nenc runner start`, then killed with SIGKILL, stopped with SIGTERM, or frozen with
 * SIGSTOP. Each backend's test file calls `runRecoveryScenarios` once.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { appServices } from "../../src/app.js";
import { ErrorCode, type Nenc, TaskFailedError } from "../../src/index.js";
import { defineTasks } from "../fixtures/tasks.js";
import type { TestBackend } from "../helpers/backends.js";
import { freeze, spawnRunner, waitUntil } from "../helpers/processes.js";
import { type ScenarioApp, useScenarioApp } from "../helpers/scenario.js";

export function runRecoveryScenarios(
  makeBackend: () => TestBackend | Promise<TestBackend>,
  /** Server engines: end every connection of an app (a network blip); returns how many. */
  dropConnections?: (appId: string) => Promise<number>,
): void {
  const scenario = useScenarioApp(makeBackend, defineTasks);
  let backend: TestBackend;
  let app: Nenc;
  let tasks: ScenarioApp["tasks"];
  beforeAll(() => {
    ({ backend, app, tasks } = scenario);
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

    it("process gone: a SIGKILLed runner's work runs again on another runner long before its heartbeat would expire", async () => {
      // Dead after 60 s: only crash detection can recover within the bound below.
      const slow = { NENC__RUNNER_CONSIDERED_DEAD_AFTER_MINUTES: "1" };
      // On Redis and PostgreSQL, A is recorded on another host, so its session decides (on
      // SQLite, one host by definition, its pid does).
      const elsewhere: Record<string, string> = backend.name === "sqlite" ? {} : { NENC__RUNNER_HOST: "elsewhere" };
      const how = backend.name === "sqlite" ? "process gone" : "session closed";
      const a = spawnRunner({ env: { ...backend.env, ...slow, ...elsewhere }, runner: "AsyncRunner" });
      await a.waitFor(/AsyncRunner \S+ started/);
      const gate = join(mkdtempSync(join(tmpdir(), "nenc-gate-")), "open");
      onTestFinished(() => writeFileSync(gate, ""));
      const invs = await Promise.all([0, 1].map((i) => tasks.gated(gate, `gone-${i}`, false)));
      const ids = invs.map((i) => i.id);
      await waitUntil(async () => (await statusesOf(ids)).every((s) => s === "RUNNING"), 20_000, "all RUNNING on A");
      const b = spawnRunner({ env: { ...backend.env, ...slow }, runner: "AsyncRunner" });
      await b.waitFor(/AsyncRunner \S+ started/);
      // A session is judged once its runner is a few seconds old (it takes it at start).
      await new Promise((r) => setTimeout(r, 5500));
      const ownerA = (await app.getInvocation(ids[0] ?? "").history()).at(-1)?.ownerId;
      const killedAt = Date.now();
      a.proc.kill("SIGKILL");
      const rerun = async () =>
        (await Promise.all(ids.map(historyOf))).every((h) => h.includes("RUNNING_RECOVERY") && h.at(-1) === "RUNNING");
      await waitUntil(rerun, 20_000, "the work running again on B");
      const rerunMs = Date.now() - killedAt;
      expect(rerunMs).toBeLessThan(20_000); // the heartbeat alone would take 60 s
      writeFileSync(gate, "");
      const results = await Promise.all(invs.map((i) => i.result({ timeoutMs: 30_000 })));
      for (const r of results) expect(r.pid).toBe(b.pid);
      for (const id of ids) {
        const h = await app.getInvocation(id).history();
        expect(h.map((e) => e.status)).toContain("RUNNING_RECOVERY");
        expect(h.find((e) => e.status === "RUNNING_RECOVERY")?.note).toContain(how);
      }
      const recordA = (await (await appServices(app).components()).orchestrator.runners()).find((r) => r.id === ownerA);
      expect(recordA?.deadNote).toBe(how);
    });

    // Skipped on SQLite (no dropConnections): an embedded database has no server connection to drop.
    it.skipIf(!dropConnections)(
      "connection dropped, process alive: the runner is not declared dead, keeps its work and rejoins",
      async () => {
        // A is recorded on another host, so only its session speaks for it.
        const slow = { NENC__RUNNER_CONSIDERED_DEAD_AFTER_MINUTES: "1" };
        const a = spawnRunner({
          env: { ...backend.env, ...slow, NENC__RUNNER_HOST: "elsewhere" },
          runner: "AsyncRunner",
        });
        await a.waitFor(/AsyncRunner \S+ started/);
        const gate = join(mkdtempSync(join(tmpdir(), "nenc-gate-")), "open");
        onTestFinished(() => writeFileSync(gate, ""));
        const inv = await tasks.gated(gate, "blip", false);
        await waitUntil(async () => (await inv.status()) === "RUNNING", 20_000, "RUNNING on A");
        const b = spawnRunner({ env: { ...backend.env, ...slow }, runner: "AsyncRunner" });
        await b.waitFor(/AsyncRunner \S+ started/);
        await new Promise((r) => setTimeout(r, 5500)); // sessions are judged once runners are a few seconds old
        const appId = String(backend.options.appId);
        expect(await dropConnections?.(appId)).toBeGreaterThan(0);
        await new Promise((r) => setTimeout(r, 3000)); // several liveness checks
        expect(await historyOf(inv.id)).toEqual(["REGISTERED", "PENDING", "RUNNING"]);
        const { orchestrator } = await appServices(app).components();
        const owner = (await app.getInvocation(inv.id).history()).at(-1)?.ownerId;
        const recordOfA = async () => (await orchestrator.runners()).filter((r) => r.id === owner);
        await waitUntil(
          async () => (await orchestrator.closedSessions(await recordOfA())).length === 0,
          10_000,
          "A holding its session again",
        );
        expect((await orchestrator.runners()).find((r) => r.id === owner)?.deadNote).toBeNull();
        writeFileSync(gate, "");
        expect((await inv.result({ timeoutMs: 30_000 })).pid).toBe(a.pid);
        expect(a.output()).not.toMatch(/write refused/);
      },
    );

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

    it("SIGSTOP then SIGCONT: the frozen runner's task sees its ctx.signal aborted (ownership lost)", async () => {
      const ledger = join(mkdtempSync(join(tmpdir(), "nenc-ledger-")), "ledger");
      writeFileSync(ledger, "");
      const lines = () => readFileSync(ledger, "utf8").trim().split("\n").filter(Boolean);
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await a.waitFor(/AsyncRunner \S+ started/);
      const inv = await tasks.watchSignal(ledger, "frozen");
      await waitUntil(async () => lines().includes(`frozen start ${a.pid}`), 20_000, "started on A");
      const b = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await b.waitFor(/AsyncRunner \S+ started/);
      await freeze(a, backend);
      // A frozen while holding a recovery lease (10 s TTL) delays B's pass by up to that much, on
      // top of the heartbeat expiry: the bound covers both on a loaded machine.
      await waitUntil(
        async () => (await historyOf(inv.id)).includes("RUNNING_RECOVERY"),
        60_000,
        () => `recovered by B (B's output: ${b.output().slice(-3000)})`,
      );
      a.proc.kill("SIGCONT");
      // Within a second on an idle machine; the bound is generous for a loaded 2-core CI box.
      await waitUntil(
        async () => lines().includes(`frozen abort ownership lost ${a.pid}`),
        45_000,
        "A's task aborted: ownership lost",
      );
      // It runs again once the recovery rerouted it: on B, or on A, which rejoined after SIGCONT
      // and may claim it first on a loaded machine (either is a healthy runner by then).
      const restarted = () => lines().filter((l) => l === `frozen start ${b.pid}` || l === `frozen start ${a.pid}`);
      let seen: string[] = [];
      await waitUntil(
        async () => {
          const again = restarted().length >= 2;
          seen = await historyOf(inv.id);
          return again;
        },
        45_000,
        () => `started again (ledger: ${lines().join(" | ")}; A ${a.pid}, B ${b.pid}; history ${seen.join(" ")})`,
      );
      expect(seen.slice(-2)).toEqual(["PENDING", "RUNNING"]);
    }, 180_000);

    it("SIGSTOP past the dead-after window: the zombie's late result is refused by its fencing token", async () => {
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await a.waitFor(/AsyncRunner \S+ started/);
      const inv = await tasks.sleepTask(4000, "zombie");
      await waitUntil(async () => (await inv.status()) === "RUNNING", 20_000, "RUNNING on A");
      await freeze(a, backend);
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
