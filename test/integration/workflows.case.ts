/**
 * Workflows with real runner processes, shared by every shared-process backend (the memory
 * backend runs the same workflow API in-process: test/unit/workflows.test.ts). Each backend's
 * test file calls `runWorkflowScenarios` once.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import { ErrorCode, type Nenc, type TaskFailedError } from "../../src/index.js";
import { defineWorkflowTasks } from "../fixtures/workflow-tasks.js";
import type { TestBackend } from "../helpers/backends.js";
import { gateAndLedger, openAllGates } from "../helpers/gates.js";
import { freeze, type RunnerProcess, spawnRunner, waitUntil } from "../helpers/processes.js";
import { useScenarioApp } from "../helpers/scenario.js";

const WORKFLOW_APP = join(import.meta.dirname, "../fixtures/workflow-app.ts");
/** Generous: runner processes start on a machine shared with other test runs. */
const STARTUP_MS = 90_000;
const SCENARIO_MS = 240_000;

export function runWorkflowScenarios(name: string, makeBackend: () => TestBackend | Promise<TestBackend>): void {
  const scenario = useScenarioApp(makeBackend, defineWorkflowTasks, openAllGates);
  let backend: TestBackend;
  let app: Nenc;
  let flows: ReturnType<typeof defineWorkflowTasks>;
  beforeAll(() => {
    ({ backend, app, tasks: flows } = scenario);
  });

  const start = async (): Promise<RunnerProcess> => {
    const r = spawnRunner({ env: backend.env, app: WORKFLOW_APP, runner: "AsyncRunner" });
    await r.waitFor(/AsyncRunner \S+ started/, STARTUP_MS);
    return r;
  };
  /** Ledger lines as [tag, pid, value]. */
  const entries = (lines: string[]) => lines.map((l) => l.split(" ") as [string, string, string]);
  const steps = async (id: string) => (await (await appServices(app).components()).orchestrator).workflowSteps(id);

  describe(`workflows with real processes (${name})`, () => {
    it(
      "a five-step workflow whose runner is SIGKILLed in step four resumes there: steps one to three ran once",
      async () => {
        const { gate, ledger, open, lines } = gateAndLedger();
        const a = await start();
        const inv = await flows.fiveSteps(ledger, gate);
        await waitUntil(async () => lines().some((l) => l.startsWith("four-start")), 60_000, "step four started");
        a.proc.kill("SIGKILL");
        const recorded = await steps(inv.id);
        expect(recorded.map((s) => s.kind)).toEqual(["run", "step", "run"]);
        open();
        await start();
        const r = await inv.result({ timeoutMs: 120_000 });
        const ledgerEntries = entries(lines());
        const once = (tag: string) => ledgerEntries.filter(([t]) => t === tag);
        // Steps one to three ran once, before the kill, on the killed runner; their values came back.
        for (const tag of ["one", "two", "three"]) {
          expect(once(tag)).toHaveLength(1);
          expect(once(tag)[0]?.[1]).toBe(String(a.pid));
        }
        expect(r.one).toBe(Number(once("one")[0]?.[2]));
        expect(r.two).toBe(Number(once("two")[0]?.[2]));
        expect(r.three).toBe(Number(once("three")[0]?.[2]));
        // Step four was in flight: it ran again (at least once), on the new runner.
        expect(once("four-start").length).toBe(2);
        expect(r.four).not.toBe(a.pid);
        expect(once("five")).toHaveLength(1);
        // The first child is not registered again: one invocation of `note` per note step.
        const children = await app.findInvocations({ parentId: inv.id });
        expect(children).toHaveLength(3);
        expect((await inv.history()).some((h) => h.status === "RUNNING_RECOVERY")).toBe(true);
      },
      SCENARIO_MS,
    );

    it(
      "a workflow sleeping while every runner stops resumes after a new runner starts",
      async () => {
        const { ledger, lines } = gateAndLedger();
        const a = await start();
        const inv = await flows.sleeper(ledger, 3000);
        // WAITING after its sleep step (it also waits, briefly, for its first child).
        await waitUntil(
          async () => (await steps(inv.id)).length === 2 && (await inv.status()) === "WAITING",
          60_000,
          "sleeping (WAITING)",
        );
        const wakeAt = JSON.parse((await steps(inv.id))[1]!.value) as number;
        // Every runner stops (gracefully); the workflow holds nothing meanwhile.
        a.proc.kill("SIGTERM");
        expect((await a.exited).code).toBe(0);
        expect(await inv.status()).toBe("WAITING");
        while (Date.now() < wakeAt + 500) await new Promise((r) => setTimeout(r, 200));
        expect(await inv.status()).toBe("WAITING"); // past its time, nobody to run it
        const b = await start();
        const r = await inv.result({ timeoutMs: 60_000 });
        expect(r.pid).toBe(b.pid);
        expect(entries(lines()).filter(([t]) => t === "before-sleep")).toHaveLength(1);
        expect(entries(lines()).filter(([t]) => t === "after-sleep")).toHaveLength(1);
        expect(r.before).toBe(Number(entries(lines()).find(([t]) => t === "before-sleep")?.[2]));
      },
      SCENARIO_MS,
    );

    it(
      "a SIGSTOPped runner cannot record a workflow step after its work was recovered (fencing)",
      async () => {
        const { gate, ledger, open, lines } = gateAndLedger();
        const a = await start();
        const inv = await flows.gated(ledger, gate);
        await waitUntil(async () => lines().some((l) => l.startsWith(`gated-start ${a.pid}`)), 60_000, "step on A");
        await freeze(a, backend);
        const b = await start();
        // A is declared dead when its heartbeat expires; B replays the step (it was in flight).
        await waitUntil(async () => lines().some((l) => l.startsWith(`gated-start ${b.pid}`)), 90_000, "step on B");
        open();
        const r = await inv.result({ timeoutMs: 60_000 });
        expect(r.pid).toBe(b.pid);
        // A wakes up, its step ends, and its write is refused: the recorded value stays B's.
        a.proc.kill("SIGCONT");
        await a.waitFor(/was not recorded: another runner holds the workflow now/, 30_000);
        const recorded = await steps(inv.id);
        expect(recorded).toHaveLength(1);
        expect(JSON.parse(recorded[0]!.value)).toBe(b.pid);
      },
      SCENARIO_MS,
    );

    it(
      "a replay that asks for a different step fails with NonDeterminismError",
      async () => {
        await start();
        const err = (await (
          await flows.nonDeterministic()
        )
          .result({ timeoutMs: 60_000 })
          .catch((e: unknown) => e)) as TaskFailedError;
        expect(err.code).toBe(ErrorCode.TaskFailed);
        expect(err.originalName).toBe("NonDeterminismError");
        expect(err.message).toMatch(
          /Workflow step 1 was recorded as step "attempt 1" but the replay asked for step "attempt 2"/,
        );
      },
      SCENARIO_MS,
    );

    it(
      "a workflow run inside a workflow is a child workflow: same workflow id, its own steps",
      async () => {
        const { ledger } = gateAndLedger();
        await start();
        await start();
        const inv = await flows.parentFlow(ledger);
        const r = await inv.result({ timeoutMs: 60_000 });
        expect(r.workflowId).toBe(inv.id);
        expect(r.child.workflowId).toBe(inv.id);
        const [child] = await app.findInvocations({ parentId: inv.id });
        expect(child?.taskId).toBe("childFlow");
        expect((await steps(child!.id)).map((s) => s.kind)).toEqual(["run", "sleep"]);
        expect((await steps(inv.id)).map((s) => s.kind)).toEqual(["run"]);
      },
      SCENARIO_MS,
    );
  });
}
