/**
 * Concurrency control with real runner processes, shared by every shared-process backend:
 * several `nenc runner start` processes race for invocations of a task limited to 2 running
 * per key; a SIGKILLed holder's slots are freed by recovery. Each backend's test file calls
 * `runConcurrencyScenarios` once.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import type { Nenc } from "../../src/index.js";
import { defineTasks } from "../fixtures/tasks.js";
import type { TestBackend } from "../helpers/backends.js";
import { gateAndLedger, openAllGates } from "../helpers/gates.js";
import { spawnRunner, waitUntil } from "../helpers/processes.js";
import { type ScenarioApp, useScenarioApp } from "../helpers/scenario.js";

const LIMIT = 2;
/** Generous: several runner processes start at once on a machine shared with other test runs. */
const STARTUP_MS = 90_000;
/** A scenario's own bound: its steps' bounds added up (each is a bound, not an expectation). */
const SCENARIO_MS = 300_000;

/**
 * The most executions of `key` the ledger shows between a start and its end at once (only
 * those of process `pid` when given: a killed runner's executions never end).
 */
function maxAtOnce(lines: string[], key: string, pid?: number): number {
  let now = 0;
  let max = 0;
  for (const line of lines) {
    const [k, , what, by] = line.split(" ");
    if (k !== key || (pid !== undefined && by !== String(pid))) continue;
    now += what === "start" ? 1 : what === "end" ? -1 : 0;
    max = Math.max(max, now);
  }
  return max;
}

export function runConcurrencyScenarios(makeBackend: () => TestBackend | Promise<TestBackend>): void {
  const scenario = useScenarioApp(makeBackend, defineTasks, openAllGates);
  let backend: TestBackend;
  let app: Nenc;
  let tasks: ScenarioApp["tasks"];
  beforeAll(() => {
    ({ backend, app, tasks } = scenario);
  });

  /** Samples the orchestrator's own view until stopped: the most slot holders of each scope seen. */
  const watchScopes = () => {
    const max = new Map<string, number>();
    let stop = false;
    const done = (async () => {
      while (!stop) {
        const { orchestrator } = await appServices(app).components();
        for (const u of await orchestrator.scopeUsage()) {
          max.set(u.scope, Math.max(max.get(u.scope) ?? 0, u.holders.length));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    return {
      async stop() {
        stop = true;
        await done;
        return { max };
      },
    };
  };

  describe(`concurrency control with real processes (${backendName()})`, () => {
    it(
      "runners racing for a key-limited task never run more than the limit of a key at once",
      async () => {
        const runners = [
          spawnRunner({ env: backend.env, runner: "AsyncRunner", concurrency: 4 }),
          spawnRunner({ env: backend.env, runner: "AsyncRunner", concurrency: 4 }),
          spawnRunner({ env: backend.env, runner: "ThreadRunner", concurrency: 3 }),
          spawnRunner({ env: backend.env, runner: "AsyncRunner", concurrency: 4 }),
        ];
        await Promise.all(runners.map((r) => r.waitFor(/Runner \S+ started/, STARTUP_MS)));
        const { gate, ledger, open, lines } = gateAndLedger();
        const watch = watchScopes();
        const invs = await Promise.all(
          Array.from({ length: 18 }, (_, i) => tasks.keyedLedger(ledger, gate, 30, i % 3 === 0 ? "b" : "a", `t${i}`)),
        );
        // Both keys reach their limit (nothing ends before the gate opens) and the rest wait.
        const started = (key: string) => lines().filter((l) => l.startsWith(`${key} `)).length;
        await waitUntil(async () => started("a") >= LIMIT && started("b") >= LIMIT, 60_000, "both keys at their limit");
        expect(started("a")).toBe(LIMIT);
        expect(started("b")).toBe(LIMIT);
        // The orchestrator's own view: both scopes full, and (once runners with free slots have
        // claimed more) claims held back as waiters.
        const { orchestrator } = await appServices(app).components();
        await waitUntil(
          async () => (await orchestrator.scopeUsage()).some((u) => u.waiters.length > 0),
          60_000,
          "held-back claims waiting",
        );
        expect((await orchestrator.scopeUsage()).map((u) => u.holders.length)).toEqual([LIMIT, LIMIT]);
        open();
        const results = await Promise.all(invs.map((i) => i.result({ timeoutMs: 90_000 })));
        expect(results.map((r) => r.tag)).toEqual(invs.map((_, i) => `t${i}`));
        const { max } = await watch.stop();
        const ledgerLines = lines();
        expect(ledgerLines.filter((l) => l.includes(" start "))).toHaveLength(18);
        expect(maxAtOnce(ledgerLines, "a")).toBe(LIMIT);
        expect(maxAtOnce(ledgerLines, "b")).toBe(LIMIT);
        for (const holders of max.values()) expect(holders).toBeLessThanOrEqual(LIMIT);
        // Held-back invocations were rerouted and ran.
        const histories = await Promise.all(invs.map(async (i) => (await i.history()).map((h) => h.status)));
        expect(histories.some((h) => h.includes("CONCURRENCY_CONTROLLED") && h.at(-1) === "SUCCESS")).toBe(true);
      },
      SCENARIO_MS,
    );

    it(
      "a SIGKILLed runner's slots are freed by recovery and its waiters run",
      async () => {
        const a = spawnRunner({ env: backend.env, runner: "AsyncRunner", concurrency: 4 });
        await a.waitFor(/AsyncRunner \S+ started/, STARTUP_MS);
        const { gate, ledger, open, lines } = gateAndLedger();
        const invs = await Promise.all([0, 1, 2].map((i) => tasks.keyedLedger(ledger, gate, 0, "k", `t${i}`)));
        await waitUntil(
          async () => {
            const s = await Promise.all(invs.map((i) => i.status()));
            // RUNNING is recorded with the claim, before the task body starts: wait for the bodies too.
            const started = lines().filter((l) => l.endsWith(` start ${a.pid}`)).length;
            return (
              s.filter((x) => x === "RUNNING").length === LIMIT &&
              s.includes("CONCURRENCY_CONTROLLED") &&
              started === LIMIT
            );
          },
          60_000,
          "two running on A, one waiting",
        );
        a.proc.kill("SIGKILL");
        await a.exited;
        const b = spawnRunner({ env: backend.env, runner: "AsyncRunner", concurrency: 4 });
        await b.waitFor(/AsyncRunner \S+ started/, STARTUP_MS);
        open();
        const results = await Promise.all(invs.map((i) => i.result({ timeoutMs: 60_000 })));
        for (const r of results) expect(r.pid).toBe(b.pid);
        expect(lines().filter((l) => l.endsWith(` start ${a.pid}`))).toHaveLength(LIMIT);
        expect(maxAtOnce(lines(), "k", b.pid)).toBeLessThanOrEqual(LIMIT);
        const histories = await Promise.all(invs.map(async (i) => (await i.history()).map((h) => h.status)));
        expect(histories.filter((h) => h.includes("RUNNING_RECOVERY"))).toHaveLength(LIMIT);
        expect(histories.every((h) => h.at(-1) === "SUCCESS")).toBe(true);
        const { orchestrator } = await appServices(app).components();
        expect(await orchestrator.scopeUsage()).toEqual([]);
      },
      SCENARIO_MS,
    );
  });

  function backendName(): string {
    return backend?.name ?? "backend";
  }
}
