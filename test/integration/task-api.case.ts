/**
 * The task API with real runner processes, shared by the server-less and server engines
 * (SQLite, Redis, PostgreSQL; the memory engine cannot be shared between processes, it runs
 * the same cases in-process in test/unit/task-api.test.ts): cancel while running and
 * `nenc cancel`, ctx.signal at a SIGTERM hand-back, ctx.attempt after a recovery, rich values.
 * Each backend's test file calls `runTaskApiScenarios` once.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { ErrorCode, type Nenc, type TaskFailedError } from "../../src/index.js";
import { defineTasks } from "../fixtures/tasks.js";
import type { TestBackend } from "../helpers/backends.js";
import { FIXTURE_APP, NENC_BIN, spawnRunner, waitUntil } from "../helpers/processes.js";
import { type ScenarioApp, useScenarioApp } from "../helpers/scenario.js";

const run = promisify(execFile);

export function runTaskApiScenarios(name: string, makeBackend: () => TestBackend | Promise<TestBackend>): void {
  const scenario = useScenarioApp(makeBackend, defineTasks);
  let backend: TestBackend;
  let app: Nenc;
  let tasks: ScenarioApp["tasks"];
  beforeAll(() => {
    ({ backend, app, tasks } = scenario);
  });

  const historyOf = async (id: string) => (await app.getInvocation(id).history()).map((h) => h.status);
  const ledgerFile = () => {
    const ledger = join(mkdtempSync(join(tmpdir(), "nenc-ledger-")), "ledger");
    writeFileSync(ledger, "");
    return { ledger, lines: () => readFileSync(ledger, "utf8").trim().split("\n").filter(Boolean) };
  };

  describe(`task API with real processes (${name})`, () => {
    it("AsyncRunner: inv.cancel() aborts the running task's ctx.signal (cancelled); result() rejects NENC_CANCELLED", async () => {
      const { ledger, lines } = ledgerFile();
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await a.waitFor(/AsyncRunner \S+ started/);
      const inv = await tasks.watchSignal(ledger, "cancel-me");
      await waitUntil(async () => lines().includes(`cancel-me start ${a.pid}`), 30_000, "started on the runner");
      expect(await inv.cancel("customer asked")).toBe(true);
      await waitUntil(async () => lines().includes(`cancel-me abort cancelled ${a.pid}`), 30_000, "ctx.signal aborted");
      const err = (await inv.result({ timeoutMs: 20_000 }).catch((e: unknown) => e)) as TaskFailedError;
      expect(err.code).toBe(ErrorCode.Cancelled);
      expect(await historyOf(inv.id)).toEqual(["REGISTERED", "PENDING", "RUNNING", "CANCELLING", "FAILED"]);
      expect(await inv.cancel()).toBe(false);
      // The task returned after the abort: its result was refused, the runner says so.
      await a.waitFor(/write refused for invocation \S+ \(SUCCESS/, 20_000);
    });

    it("nenc cancel <id>: an invocation no runner has taken never starts", async () => {
      const inv = await tasks.add(1, 2);
      const env = { ...process.env, ...backend.env, NENC__LOG_FORMAT: "text" };
      const first = await run(process.execPath, [NENC_BIN, "cancel", inv.id, "--app", FIXTURE_APP, "--reason", "x"], {
        env,
      });
      expect(first.stdout).toContain(`cancelled ${inv.id}`);
      expect(await historyOf(inv.id)).toEqual(["REGISTERED", "CANCELLING", "FAILED"]);
      const again = await run(process.execPath, [NENC_BIN, "cancel", inv.id, "--app", FIXTURE_APP], { env });
      expect(again.stdout).toContain("already final");
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await a.waitFor(/AsyncRunner \S+ started/);
      expect(await (await tasks.add(2, 3)).result({ timeoutMs: 30_000 })).toBe(5); // the runner works...
      expect(await historyOf(inv.id)).toEqual(["REGISTERED", "CANCELLING", "FAILED"]); // ...and never ran it
      expect((await inv.result().catch((e: unknown) => e)) as TaskFailedError).toMatchObject({
        code: ErrorCode.Cancelled,
      });
    });

    it("SIGTERM: a task still running at the end of the drain sees its ctx.signal aborted (handed back)", async () => {
      const { ledger, lines } = ledgerFile();
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner", drainSeconds: 1 });
      await a.waitFor(/AsyncRunner \S+ started/);
      const inv = await tasks.watchSignal(ledger, "drained");
      await waitUntil(async () => lines().includes(`drained start ${a.pid}`), 30_000, "started on the runner");
      a.proc.kill("SIGTERM");
      expect((await a.exited).code).toBe(0);
      expect(lines()).toContain(`drained abort handed back ${a.pid}`);
      expect(await historyOf(inv.id)).toEqual(["REGISTERED", "PENDING", "RUNNING", "KILLED", "REROUTED"]);
    });

    it("ctx.attempt is 2 when another runner runs the invocation after the first runner died", async () => {
      const gate = join(mkdtempSync(join(tmpdir(), "nenc-gate-")), "open");
      onTestFinished(() => writeFileSync(gate, ""));
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await a.waitFor(/AsyncRunner \S+ started/);
      const inv = await tasks.attemptAfterGate(gate);
      await waitUntil(async () => (await inv.status()) === "RUNNING", 30_000, "RUNNING on A");
      a.proc.kill("SIGKILL");
      await a.exited;
      const b = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await b.waitFor(/AsyncRunner \S+ started/);
      await waitUntil(async () => (await historyOf(inv.id)).includes("REROUTED"), 60_000, "recovered");
      writeFileSync(gate, "");
      expect(await inv.result({ timeoutMs: 60_000 })).toEqual({ attempt: 2, pid: b.pid });
    });

    it("rich values (Map, Set, BigInt, undefined, typed arrays, URL, Date) go to a runner and come back", async () => {
      const a = spawnRunner({ env: backend.env, runner: "AsyncRunner" });
      await a.waitFor(/AsyncRunner \S+ started/);
      const value = {
        when: new Date("2026-01-02T03:04:05.000Z"),
        counts: new Map([["a", 1n]]),
        seen: new Set([1, 2]),
        missing: undefined,
        bytes: new Uint8Array([0, 1, 255]),
        home: new URL("https://example.com/?q=1"),
      };
      const result = await (await tasks.echoValue(value)).result({ timeoutMs: 30_000 });
      expect(result.value).toEqual(value);
      expect("missing" in (result.value as object)).toBe(true);
      expect(result.made).toEqual({
        big: 2n ** 70n,
        tags: new Set(["a", "b"]),
        byId: new Map([[1, new URL("https://example.com/x")]]),
      });
    });
  });
}
