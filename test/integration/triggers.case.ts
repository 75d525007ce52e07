/**
 * Triggers with real runner processes, shared by every shared-process backend (the memory
 * backend runs the same conditions in-process: test/unit/triggers.test.ts). Each backend's
 * test file calls `runTriggerScenarios` once.
 */
import { randomUUID } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Nenc } from "../../src/index.js";
import { defineTriggerTasks, killDuringEvaluation } from "../fixtures/trigger-tasks.js";
import type { TestBackend } from "../helpers/backends.js";
import { type RunnerProcess, spawnRunner, waitUntil } from "../helpers/processes.js";
import { useScenarioApp } from "../helpers/scenario.js";

const TRIGGER_APP = join(import.meta.dirname, "../fixtures/trigger-app.ts");
/** Generous: runner processes start on a machine shared with other test runs. */
const STARTUP_MS = 90_000;
const SCENARIO_MS = 240_000;

export function runTriggerScenarios(name: string, makeBackend: () => TestBackend | Promise<TestBackend>): void {
  const scenario = useScenarioApp(makeBackend, defineTriggerTasks);
  let backend: TestBackend;
  let app: Nenc;
  let tasks: ReturnType<typeof defineTriggerTasks>;
  beforeAll(() => {
    ({ backend, app, tasks } = scenario);
  });

  const start = async (n: number): Promise<RunnerProcess[]> => {
    const runners = Array.from({ length: n }, () =>
      spawnRunner({ env: backend.env, app: TRIGGER_APP, runner: "AsyncRunner" }),
    );
    await Promise.all(runners.map((r) => r.waitFor(/AsyncRunner \S+ started/, STARTUP_MS)));
    return runners;
  };

  /** The invocations of `taskId` with their origins. */
  const startedBy = async (taskId: string) => {
    const found = await app.findInvocations({ task: taskId, limit: 1000 });
    return Promise.all(found.map(async (i) => ({ inv: i, origin: await i.origin() })));
  };

  describe(`triggers with real processes (${name})`, () => {
    it(
      "a cron tick starts its task exactly once with three runners, also when the evaluating runners are SIGKILLed",
      async () => {
        const runners = await start(3);
        const ticks = async () => (await startedBy("everySecond")).map((s) => s.origin?.tick ?? -1);
        await waitUntil(async () => (await ticks()).length >= 3, 30_000, "three ticks");
        // Kill two of the three (the lease holder among them or not): the third takes over.
        runners[0]!.proc.kill("SIGKILL");
        runners[1]!.proc.kill("SIGKILL");
        const seen = (await ticks()).length;
        await waitUntil(async () => (await ticks()).length >= seen + 5, 60_000, "five more ticks");
        const all = (await ticks()).sort((a, b) => a - b);
        expect(all.every((t) => t > 0 && t % 1000 === 0)).toBe(true);
        expect(new Set(all).size).toBe(all.length); // no tick twice
        // No tick skipped between the first and the last, across the handover.
        expect(all.at(-1)! - all[0]!).toBe((all.length - 1) * 1000);
      },
      SCENARIO_MS,
    );

    it(
      "an event starts each of its two tasks exactly once, although the runner evaluating it is SIGKILLed mid-way",
      async () => {
        const [a] = await start(1);
        // One kill file per run: the engines' test files run at once and share the temp dir.
        const orderId = `o-kill-${randomUUID()}`;
        writeFileSync(killDuringEvaluation(orderId), "");
        const eventId = await tasks.orderPaid.emit({ orderId, cents: 50 });
        // The evaluation recorded ship's invocation, then its runner died before invoice's.
        expect((await a!.exited).signal).toBe("SIGKILL");
        expect(existsSync(killDuringEvaluation(orderId))).toBe(false);
        const ofEvent = async (taskId: string) =>
          (await startedBy(taskId)).filter((s) => s.origin?.eventId === eventId).map((s) => s.inv);
        expect(await ofEvent("ship")).toHaveLength(1);
        expect(await ofEvent("invoice")).toHaveLength(0);
        // Another runner recovers the evaluation (attempt 2): invoice starts, ship does not again.
        await start(1);
        await waitUntil(async () => (await ofEvent("invoice")).length === 1, 60_000, "invoice started");
        const [ship] = await ofEvent("ship");
        const [invoice] = await ofEvent("invoice");
        expect(await ship!.result({ timeoutMs: 30_000 })).toMatchObject({ shipped: orderId });
        expect(await invoice!.result({ timeoutMs: 30_000 })).toMatchObject({ invoiced: orderId });
        const event = app.getInvocation<{ fired: number }>(eventId);
        expect(await event.result({ timeoutMs: 30_000 })).toEqual({ event: "order.paid", fired: 1 });
        expect((await event.history()).filter((h) => h.status === "RUNNING").length).toBeGreaterThanOrEqual(2);
        await new Promise((r) => setTimeout(r, 1000));
        expect(await ofEvent("ship")).toHaveLength(1);
        expect(await ofEvent("invoice")).toHaveLength(1);
      },
      SCENARIO_MS,
    );

    it(
      "result, error and status triggers, `all` and `any`: each source outcome and event fires once",
      async () => {
        await start(2);
        const paid = await tasks.orderPaid.emit({ orderId: "o-10", cents: 500 });
        const ok = await tasks.charge("o-10", 500);
        const declined = await tasks.charge("o-11", -5);
        expect(await ok.result({ timeoutMs: 30_000 })).toMatchObject({ ok: true });
        await expect(declined.result({ timeoutMs: 30_000 })).rejects.toThrow(/declined o-11/);
        const bySource = async (taskId: string, sourceId: string) =>
          (await startedBy(taskId)).filter((s) => s.origin?.sourceId === sourceId);
        await waitUntil(async () => (await bySource("receipt", ok.id)).length === 1, 60_000, "receipt");
        await waitUntil(async () => (await bySource("alert", declined.id)).length === 1, 60_000, "alert");
        await waitUntil(async () => (await bySource("greet", declined.id)).length === 1, 60_000, "greet (any)");
        const [alert] = await bySource("alert", declined.id);
        expect(await alert!.inv.result({ timeoutMs: 30_000 })).toBe(`${declined.id} declined o-11`);
        // all: the event and a charge over 100 -> one audit, started by the later of the two.
        await waitUntil(async () => (await startedBy("audit")).length === 1, 60_000, "audit (all)");
        const [audit] = await startedBy("audit");
        expect([paid, ok.id]).toContain(audit!.origin?.eventId ?? audit!.origin?.sourceId);
        // any: the other condition fires it again.
        await tasks.userJoined.emit({ user: "ann" });
        await waitUntil(async () => (await startedBy("greet")).length === 2, 60_000, "greet from the event");
        // Later scans of the same outcomes start nothing more.
        await new Promise((r) => setTimeout(r, 1500));
        expect(await bySource("receipt", ok.id)).toHaveLength(1);
        expect(await bySource("alert", declined.id)).toHaveLength(1);
        expect(await startedBy("audit")).toHaveLength(1);
        expect(await startedBy("greet")).toHaveLength(2);
      },
      SCENARIO_MS,
    );
  });
}
