/**
 * Graceful shutdown with real processes (`nenc runner start`), shared by a file per backend:
 * on SIGTERM/SIGINT a runner claims nothing more, lets in-flight work finish until its drain
 * deadline, and hands back only what still runs then; a second signal hands back at once.
 *
 * Tasks append to a ledger file (one "start" line per execution) and run until a gate file
 * exists, so the tests decide when a task may finish instead of relying on timing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { appServices } from "../../src/app.js";
import type { Orchestrator, RunnerRecord } from "../../src/core/contract/index.js";
import { runnerState } from "../../src/core/runner-state.js";
import { Nenc } from "../../src/index.js";
import { createMonitorApp } from "../../src/monitor/server.js";
import { defineTasks } from "../fixtures/tasks.js";
import type { TestBackend } from "../helpers/backends.js";
import { gateAndLedger, openAllGates } from "../helpers/gates.js";
import { killAllRunners, type RunnerProcess, spawnRunner, waitUntil } from "../helpers/processes.js";

export function runShutdownScenarios(name: string, makeBackend: () => TestBackend | Promise<TestBackend>): void {
  let backend: TestBackend;
  let app: Nenc;
  let tasks: ReturnType<typeof defineTasks>;
  let orchestrator: Orchestrator;

  // Several runner processes per scenario; on a loaded machine that takes a while.
  vi.setConfig({ testTimeout: 180_000 });

  beforeAll(async () => {
    backend = await makeBackend();
    app = new Nenc(backend.options);
    tasks = defineTasks(app);
    await app.purge();
    orchestrator = (await appServices(app).components()).orchestrator;
  });

  afterEach(async () => {
    await killAllRunners();
    openAllGates();
  });

  afterAll(async () => {
    await app?.purge();
    await app?.close();
  });

  const historyOf = async (id: string) => (await app.getInvocation(id).history()).map((h) => h.status);
  const recordOf = async (pid: number): Promise<RunnerRecord> => {
    const r = (await orchestrator.runners()).find((x) => x.pid === pid && x.parentId === null);
    if (!r) throw new Error(`no runner record for pid ${pid}`);
    return r;
  };
  const deadAfterMs = () => (backend.options.runnerConsideredDeadAfterMinutes ?? 0.05) * 60_000;
  const started = async (proc: RunnerProcess) => (await proc.waitFor(/AsyncRunner (\S+) started/, 60_000))[1];

  describe(`graceful shutdown with real processes (${name})`, () => {
    it("a 200 ms task in flight at SIGTERM finishes on the same runner: one execution, exit 0", async () => {
      const g = gateAndLedger();
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner", drainSeconds: 120 });
      const aId = await started(a);
      const inv = await tasks.ledgered(g.ledger, g.gate, 200, "short");
      await waitUntil(async () => g.lines().length === 1, 60_000, "the task to start on A");
      a.proc.kill("SIGTERM");
      await a.waitFor(/draining \(runner received SIGTERM\)/);
      // Draining: the record says stopping with its deadline, and so does the monitor.
      const rec = await recordOf(a.pid);
      expect(rec.id).toBe(aId);
      expect(rec.stoppingUntil).toEqual(expect.any(Number));
      expect(runnerState(rec, deadAfterMs(), Date.now())).toBe("stopping");
      const { hono } = createMonitorApp(app);
      const page = await (await hono.request("/runners")).text();
      expect(page).toContain('data-runner-state="stopping"');
      expect(page).toContain(`data-stopping-until="${rec.stoppingUntil}"`);
      // It claims nothing more: work registered now waits for another runner.
      const later = await tasks.add(1, 2);
      expect(await inv.status()).toBe("RUNNING");
      g.open();
      expect((await a.exited).code).toBe(0);
      expect(a.output()).toMatch(/drained: all in-flight work finished/);
      const result = await inv.result({ timeoutMs: 10_000 });
      expect(result.pid).toBe(a.pid);
      expect(await historyOf(inv.id)).toEqual(["REGISTERED", "PENDING", "RUNNING", "SUCCESS"]);
      expect(g.lines()).toEqual([`short start ${a.pid}`, `short end ${a.pid}`]);
      expect(await later.status()).toBe("REGISTERED");
      expect((await recordOf(a.pid)).stoppedAt).toEqual(expect.any(Number));
      // The queued one runs on the next runner.
      const b = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await started(b);
      expect(await later.result({ timeoutMs: 30_000 })).toBe(3);
    });

    it("a long task still running at the drain deadline is handed back then, not recovered, and finishes elsewhere", async () => {
      const g = gateAndLedger();
      // Twice the dead-after window: a runner that stopped beating would be recovered meanwhile.
      const drainMs = 2 * deadAfterMs();
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner", drainSeconds: drainMs / 1000 });
      await started(a);
      const inv = await tasks.ledgered(g.ledger, g.gate, 0, "long");
      await waitUntil(async () => g.lines().length === 1, 60_000, "the task to start on A");
      // B runs recovery passes every second while A drains, and takes the work once handed back.
      const b = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await started(b);
      const signalledAt = Date.now();
      a.proc.kill("SIGTERM");
      expect((await a.exited).code).toBe(0);
      expect(a.output()).toMatch(/drain ended: still running at the end of the [\d.]+ s drain/);
      g.open();
      const result = await inv.result({ timeoutMs: 60_000 });
      expect(result.pid).toBe(b.pid);
      const history = await app.getInvocation(inv.id).history();
      // Handed back by A (KILLED, REROUTED), not taken by B's recovery (RUNNING_RECOVERY).
      expect(history.map((h) => h.status)).toEqual([
        "REGISTERED",
        "PENDING",
        "RUNNING",
        "KILLED",
        "REROUTED",
        "PENDING",
        "RUNNING",
        "SUCCESS",
      ]);
      const killed = history.find((h) => h.status === "KILLED");
      expect(killed?.note).toMatch(/^runner received SIGTERM; still running at the end of the [\d.]+ s drain$/);
      // At the deadline, not before it (history times are the backend's clock, on this machine).
      expect(killed?.at).toBeGreaterThanOrEqual(signalledAt + drainMs - 1000);
      expect(g.lines()).toEqual([`long start ${a.pid}`, `long start ${b.pid}`, `long end ${b.pid}`]);
    });

    it("a second signal during the drain hands back at once and exits 0", async () => {
      const g = gateAndLedger();
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner", drainSeconds: 600 });
      await started(a);
      const inv = await tasks.ledgered(g.ledger, g.gate, 0, "second");
      await waitUntil(async () => g.lines().length === 1, 60_000, "the task to start on A");
      a.proc.kill("SIGTERM");
      await a.waitFor(/draining \(runner received SIGTERM\)/);
      a.proc.kill("SIGINT");
      // A drain of 600 s: exiting within the test's time means the second signal cut it short.
      expect((await a.exited).code).toBe(0);
      expect(await inv.status()).toBe("REROUTED");
      const history = await app.getInvocation(inv.id).history();
      expect(history.find((h) => h.status === "KILLED")?.note).toBe(
        "runner received SIGTERM; second SIGINT during the drain",
      );
      const b = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await started(b);
      g.open();
      expect((await inv.result({ timeoutMs: 60_000 })).pid).toBe(b.pid);
      expect(await historyOf(inv.id)).not.toContain("RUNNING_RECOVERY");
      expect(g.lines()).toEqual([`second start ${a.pid}`, `second start ${b.pid}`, `second end ${b.pid}`]);
    });
  });
}
