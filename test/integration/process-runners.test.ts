/**
 * The process-based runners with real processes on SQLite: a child killed mid-task, the
 * parent killed, the parent stopped with SIGTERM (at once, and draining: work that can finish
 * does, the rest is handed back at the deadline or on a second signal), a task over the memory
 * limit, and a task that fans out more sub-tasks than the runner has slots and waits for them all.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { appServices } from "../../src/app.js";
import type { Orchestrator, RunnerRecord } from "../../src/core/contract/index.js";
import { ErrorCode, Nenc, TaskFailedError } from "../../src/index.js";
import { defineTasks } from "../fixtures/tasks.js";
import { sqliteBackend, type TestBackend, toEnv } from "../helpers/backends.js";
import { gateAndLedger, openAllGates } from "../helpers/gates.js";
import {
  childPidsOf,
  freeze,
  killAllRunners,
  processGone,
  type RunnerProcess,
  spawnRunner,
  waitUntil,
} from "../helpers/processes.js";

// Each scenario starts several processes; on a loaded machine that takes a while.
vi.setConfig({ testTimeout: 180_000 });

const PROCESS_RUNNERS = ["ProcessRunner", "PersistentProcessRunner", "MultiThreadRunner"] as const;
type ProcessRunnerName = (typeof PROCESS_RUNNERS)[number];

let backend: TestBackend;
let app: Nenc;
let tasks: ReturnType<typeof defineTasks>;
let orchestrator: Orchestrator;

beforeAll(async () => {
  backend = sqliteBackend();
  app = new Nenc(backend.options);
  tasks = defineTasks(app);
  await app.purge();
  orchestrator = (await appServices(app).components()).orchestrator;
});

// Kill the parents a test left behind; killAllRunners also waits for their children to exit.
afterEach(async () => {
  await killAllRunners();
  openAllGates();
});

afterAll(async () => {
  await app?.purge();
  await app?.close();
});

/** Start a runner process and return it with its runner context. */
async function start(
  runner: ProcessRunnerName | "AsyncRunner" | "ThreadRunner",
  extra: Record<string, string | number> = {},
): Promise<{ proc: RunnerProcess; ctx: RunnerRecord }> {
  const env = { ...backend.env, ...toEnv(extra) };
  const proc = spawnRunner({ env, runner });
  await proc.waitFor(new RegExp(`${runner} \\S+ started`), 60_000);
  const ctx = (await orchestrator.runners()).find((r) => r.pid === proc.pid && r.parentId === null);
  if (!ctx) throw new Error(`no runner context for ${runner} pid ${proc.pid}`);
  return { proc, ctx };
}

async function childrenOf(parentId: string, live = true): Promise<RunnerRecord[]> {
  return (await orchestrator.runners()).filter((r) => r.parentId === parentId && (!live || r.stoppedAt === null));
}

/** A gate file for the `gated` task: it runs until the test opens the gate. */
function gate(): { path: string; open(): void } {
  const g = gateAndLedger();
  return { path: g.gate, open: g.open };
}

const statuses = async (id: string) => (await app.getInvocation(id).history()).map((h) => h.status);
const record = async (id: string) => {
  const rec = (await orchestrator.getStatuses([id])).get(id);
  if (!rec) throw new Error(`no record for ${id}`);
  return rec;
};

/** Settings giving each runner two workers of one slot (MultiThreadRunner: one child of two slots is too few to kill one). */
const TWO_WORKERS: Record<ProcessRunnerName, Record<string, number>> = {
  ProcessRunner: { maxProcesses: 2 },
  PersistentProcessRunner: { numProcesses: 2 },
  MultiThreadRunner: { maxProcesses: 2, threadsPerProcess: 1 },
};

describe.each(PROCESS_RUNNERS)("%s with real processes (sqlite)", (runner) => {
  it("SIGKILL of a child: its work is handed back at once, runs again elsewhere, and the child is replaced", async () => {
    const { proc, ctx } = await start(runner, TWO_WORKERS[runner]);
    const g = gate();
    const inv = await tasks.gated(g.path, "child-kill", false);
    await waitUntil(async () => (await inv.status()) === "RUNNING", 60_000, "RUNNING");
    const ownerId = (await record(inv.id)).ownerId;
    const victim = (await childrenOf(ctx.id)).find((c) => c.id === ownerId);
    expect(victim, "the owner is a child context of the runner").toBeDefined();
    if (!victim) return;
    expect(victim.pid).not.toBe(proc.pid);
    process.kill(victim.pid, "SIGKILL");
    await waitUntil(async () => (await statuses(inv.id)).includes("REROUTED"), 30_000, "the hand-back");
    g.open();
    const result = await inv.result({ timeoutMs: 60_000 });
    expect(result.pid).not.toBe(victim.pid);
    const history = await app.getInvocation(inv.id).history();
    const killed = history.find((h) => h.status === "KILLED");
    expect(killed?.note).toBe(`child ${victim.pid} killed by SIGKILL`);
    expect(killed?.ownerId).toBeNull();
    expect(history.map((h) => h.status)).not.toContain("RUNNING_RECOVERY");
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
    const stopped = (await orchestrator.runners()).find((r) => r.id === victim.id);
    expect(stopped?.stoppedAt).not.toBeNull();
    await waitUntil(
      async () => (await childrenOf(ctx.id)).some((c) => c.startedAt > victim.startedAt && c.id !== victim.id),
      60_000,
      "a replacement child",
    );
    proc.proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  });

  it("SIGKILL of the parent: no child keeps running, and another runner recovers the work", async () => {
    const { proc, ctx } = await start(runner, TWO_WORKERS[runner]);
    // One child sleeps, one blocks its event loop: both must notice their parent is gone.
    const g = gate();
    const invs = [await tasks.gated(g.path, "sleeps", false), await tasks.gated(g.path, "blocks", true)];
    await waitUntil(
      async () => (await Promise.all(invs.map((i) => i.status()))).every((s) => s === "RUNNING"),
      60_000,
      "both RUNNING",
    );
    const children = await childrenOf(ctx.id);
    expect(children.length).toBeGreaterThanOrEqual(2);
    // Every child process, including one still starting (no context yet).
    const pids = [...new Set([...children.map((c) => c.pid), ...childPidsOf(proc.pid)])];
    proc.proc.kill("SIGKILL");
    await proc.exited;
    await waitUntil(async () => pids.every(processGone), 10_000, "every child to exit");
    g.open();
    const b = await start("AsyncRunner");
    const results = await Promise.all(invs.map((i) => i.result({ timeoutMs: 60_000 })));
    for (const r of results) expect(r.pid).toBe(b.proc.pid);
    for (const i of invs) {
      const h = await statuses(i.id);
      expect(h).toContain("RUNNING_RECOVERY");
      expect(h.at(-1)).toBe("SUCCESS");
    }
    b.proc.proc.kill("SIGTERM");
    await b.proc.exited;
  });

  it("SIGTERM of the parent with no drain (shutdownGraceSeconds 0): work handed back at once, children stopped, exit 0", async () => {
    const { proc, ctx } = await start(runner, { ...TWO_WORKERS[runner], shutdownGraceSeconds: 0 });
    const g = gate();
    const invs = await Promise.all([0, 1].map((i) => tasks.gated(g.path, `term-${i}`, false)));
    await waitUntil(
      async () => (await Promise.all(invs.map((i) => i.status()))).every((s) => s === "RUNNING"),
      60_000,
      "both RUNNING",
    );
    const pids = childPidsOf(proc.pid);
    proc.proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
    expect(pids.filter((pid) => !processGone(pid))).toEqual([]);
    expect(await childrenOf(ctx.id)).toEqual([]);
    // Handed back, not left for recovery: a runner started now finds them queued again.
    for (const i of invs) expect(await i.status()).toBe("REROUTED");
    g.open();
    const b = await start("AsyncRunner");
    const results = await Promise.all(invs.map((i) => i.result({ timeoutMs: 60_000 })));
    for (const r of results) expect(r.pid).toBe(b.proc.pid);
    for (const i of invs) {
      const history = await app.getInvocation(i.id).history();
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
      expect(history.find((h) => h.status === "KILLED")?.note).toBe("runner received SIGTERM");
    }
    b.proc.proc.kill("SIGTERM");
    await b.proc.exited;
  });

  it("children of a frozen (SIGSTOPped) parent claim nothing; after SIGCONT the work runs once", async () => {
    // Dead after 3 s here: children stop claiming after 1 s without a ping from their parent.
    const { proc, ctx } = await start(runner, TWO_WORKERS[runner]);
    await waitUntil(async () => (await childrenOf(ctx.id)).length >= 1, 30_000, "a child ready");
    await freeze(proc, backend);
    await new Promise((r) => setTimeout(r, 2000));
    const invs = await Promise.all([1, 2, 3].map((n) => tasks.add(n, n)));
    await new Promise((r) => setTimeout(r, 2500));
    for (const i of invs) expect(await i.status()).toBe("REGISTERED");
    proc.proc.kill("SIGCONT");
    expect(await Promise.all(invs.map((i) => i.result({ timeoutMs: 60_000 })))).toEqual([2, 4, 6]);
    for (const i of invs) expect((await statuses(i.id)).filter((s) => s === "RUNNING")).toHaveLength(1);
    proc.proc.kill("SIGTERM");
    await proc.exited;
  });

  it("a task fanning out more sub-tasks than the runner has slots finishes: PAUSED while it waits", async () => {
    const oneSlotEach: Record<ProcessRunnerName, Record<string, number>> = {
      ProcessRunner: { maxProcesses: 1 },
      PersistentProcessRunner: { numProcesses: 1 },
      MultiThreadRunner: { maxProcesses: 1, threadsPerProcess: 1 },
    };
    const { proc } = await start(runner, oneSlotEach[runner]);
    const inv = await tasks.fanOut(3, 100);
    const result = await inv.result({ timeoutMs: 60_000 });
    expect(result.tags).toEqual(["sub-0", "sub-1", "sub-2"]);
    const h = await statuses(inv.id);
    expect(h).toContain("PAUSED");
    expect(h).toContain("RESUMED");
    expect(h.at(-1)).toBe("SUCCESS");
    expect(h).not.toContain("RUNNING_RECOVERY");
    // A task that returns nothing succeeds in a child too.
    expect(await (await tasks.nothing(1)).result({ timeoutMs: 60_000 })).toBeUndefined();
    proc.proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  });
});

const POOL_RUNNERS = ["ThreadRunner", ...PROCESS_RUNNERS] as const;
const TWO_SLOTS: Record<(typeof POOL_RUNNERS)[number], Record<string, number>> = {
  ...TWO_WORKERS,
  ThreadRunner: { runnerConcurrency: 2 },
};

describe.each(POOL_RUNNERS)("%s graceful shutdown (sqlite)", (runner) => {
  it("SIGTERM drains: a task that can finish does, once, on its worker; a second SIGTERM hands back the other; no child survives", async () => {
    const { proc, ctx } = await start(runner, { ...TWO_SLOTS[runner], shutdownGraceSeconds: 600 });
    const short = gateAndLedger();
    const long = gateAndLedger();
    const s = await tasks.ledgered(short.ledger, short.gate, 200, "short");
    const l = await tasks.ledgered(long.ledger, long.gate, 0, "long");
    await waitUntil(async () => short.lines().length === 1 && long.lines().length === 1, 60_000, "both started");
    const owners = [(await record(s.id)).ownerId, (await record(l.id)).ownerId];
    const pids = [...new Set([...childPidsOf(proc.pid), ...(await childrenOf(ctx.id)).map((c) => c.pid)])];
    proc.proc.kill("SIGTERM");
    await proc.waitFor(/draining \(runner received SIGTERM\)/);
    // The runner and the workers running the two tasks are marked stopping, with the deadline.
    const records = await orchestrator.runners();
    for (const id of [ctx.id, ...owners]) {
      expect(records.find((r) => r.id === id)?.stoppingUntil, `${id} stopping`).toEqual(expect.any(Number));
    }
    short.open();
    const done = await s.result({ timeoutMs: 60_000 });
    expect(short.lines()).toEqual([`short start ${done.pid}`, `short end ${done.pid}`]);
    expect(await statuses(s.id)).toEqual(["REGISTERED", "PENDING", "RUNNING", "SUCCESS"]);
    expect(await l.status()).toBe("RUNNING");
    expect(proc.proc.exitCode).toBeNull();
    proc.proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
    expect(pids.filter((pid) => !processGone(pid))).toEqual([]);
    expect(await childrenOf(ctx.id)).toEqual([]);
    expect(await l.status()).toBe("REROUTED");
    const history = await app.getInvocation(l.id).history();
    expect(history.find((h) => h.status === "KILLED")?.note).toBe(
      "runner received SIGTERM; second SIGTERM during the drain",
    );
    const b = await start("AsyncRunner");
    long.open();
    expect((await l.result({ timeoutMs: 60_000 })).pid).toBe(b.proc.pid);
    expect(long.lines()).toHaveLength(3);
    b.proc.proc.kill("SIGTERM");
    expect((await b.proc.exited).code).toBe(0);
  });

  it("a task still running at the drain deadline is handed back then, its worker ended, exit 0", async () => {
    const { proc, ctx } = await start(runner, { ...TWO_SLOTS[runner], shutdownGraceSeconds: 2 });
    const long = gateAndLedger();
    const l = await tasks.ledgered(long.ledger, long.gate, 0, "deadline");
    await waitUntil(async () => long.lines().length === 1, 60_000, "the task to start");
    const pids = [...new Set([...childPidsOf(proc.pid), ...(await childrenOf(ctx.id)).map((c) => c.pid)])];
    proc.proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
    expect(pids.filter((pid) => !processGone(pid))).toEqual([]);
    expect(await childrenOf(ctx.id)).toEqual([]);
    expect(await l.status()).toBe("REROUTED");
    const history = await app.getInvocation(l.id).history();
    expect(history.map((h) => h.status)).toEqual(["REGISTERED", "PENDING", "RUNNING", "KILLED", "REROUTED"]);
    expect(history.find((h) => h.status === "KILLED")?.note).toBe(
      "runner received SIGTERM; still running at the end of the 2 s drain",
    );
    long.open();
  });
});

describe.each(POOL_RUNNERS)("ctx.signal in %s workers (sqlite)", (runner) => {
  it("aborted when the invocation is cancelled (cancelled) and when the drain ends (handed back)", async () => {
    const { ledger, lines } = gateAndLedger();
    writeFileSync(ledger, "");
    const { proc } = await start(runner, { ...TWO_SLOTS[runner], shutdownGraceSeconds: 2 });
    const cancelled = await tasks.watchSignal(ledger, "cancel-me");
    const kept = await tasks.watchSignal(ledger, "keep-me");
    // Runs until its signal is aborted: cancelled when the test ends, so no later runner keeps running it.
    onTestFinished(async () => {
      await Promise.all([cancelled.cancel(), kept.cancel()]);
    });
    const startedIn = (tag: string) =>
      lines()
        .find((l) => l.startsWith(`${tag} start `))
        ?.split(" ")[2];
    await waitUntil(async () => !!startedIn("cancel-me") && !!startedIn("keep-me"), 60_000, "both started");
    expect(await cancelled.cancel("from the test")).toBe(true);
    await waitUntil(
      async () => lines().includes(`cancel-me abort cancelled ${startedIn("cancel-me")}`),
      30_000,
      "cancel-me aborted in its worker",
    );
    const err = (await cancelled.result({ timeoutMs: 20_000 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(err.code).toBe(ErrorCode.Cancelled);
    expect(lines().some((l) => l.startsWith("keep-me abort"))).toBe(false);
    proc.proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
    expect(lines()).toContain(`keep-me abort handed back ${startedIn("keep-me")}`);
    expect(await statuses(kept.id)).toEqual(["REGISTERED", "PENDING", "RUNNING", "KILLED", "REROUTED"]);
  });
});

describe("pause/resume in the in-process runners", () => {
  it.each(["AsyncRunner", "ThreadRunner"] as const)(
    "%s with one slot runs a task awaiting three sub-tasks",
    async (runner) => {
      const { proc } = await start(runner, { runnerConcurrency: 1 });
      const inv = await tasks.fanOut(3, 50);
      expect((await inv.result({ timeoutMs: 60_000 })).tags).toEqual(["sub-0", "sub-1", "sub-2"]);
      expect(await statuses(inv.id)).toEqual(["REGISTERED", "PENDING", "RUNNING", "PAUSED", "RESUMED", "SUCCESS"]);
      proc.proc.kill("SIGTERM");
      expect((await proc.exited).code).toBe(0);
    },
  );
});

describe("child memory limit", () => {
  const LIMIT = { numProcesses: 1, childMemoryLimitMb: 300, childMemoryRetries: 1 };

  it("a child over the limit is ended; its invocation runs again on a new child, apart from task retries", async () => {
    const { proc } = await start("PersistentProcessRunner", LIMIT);
    const marker = join(mkdtempSync(join(tmpdir(), "nenc-mem-")), "hogged");
    const inv = await tasks.hogMemory(1500, marker);
    const result = await inv.result({ timeoutMs: 60_000 });
    expect(result.hogged).toBe(false);
    const history = await app.getInvocation(inv.id).history();
    const killed = history.find((h) => h.status === "KILLED");
    expect(killed?.note).toMatch(/^child \d+ exceeded its memory limit .*; memory retry 1\/1$/);
    expect(history.map((h) => h.status)).not.toContain("RUNNING_RECOVERY");
    expect(history.at(-1)?.status).toBe("SUCCESS");
    expect((await record(inv.id)).retries).toBe(0);
    proc.proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  });

  it("an invocation over the limit every time is FAILED after childMemoryRetries hand-backs", async () => {
    const { proc } = await start("PersistentProcessRunner", LIMIT);
    const inv = await tasks.hogMemory(1500, null);
    const err = await inv.result({ timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).message).toMatch(/exceeded its memory limit/);
    const history = await statuses(inv.id);
    expect(history.filter((s) => s === "KILLED")).toHaveLength(1);
    expect(history.at(-1)).toBe("FAILED");
    expect((await record(inv.id)).retries).toBe(0);
    proc.proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  });
});

describe("worker heartbeats and pool sizing", () => {
  it("a child blocking its event loop for 3x the dead-after window keeps its heartbeat (the parent beats for it)", async () => {
    const deadAfterMs = (backend.options.runnerConsideredDeadAfterMinutes ?? 0.05) * 60_000;
    const { proc, ctx } = await start("PersistentProcessRunner", { numProcesses: 1 });
    const inv = await tasks.busyLoop(deadAfterMs * 3);
    await waitUntil(async () => (await inv.status()) === "RUNNING", 60_000, "RUNNING");
    // Another runner, whose recovery pass would take the work of a runner it saw as dead.
    const watcher = await start("AsyncRunner", { runnerConcurrency: 1 });
    const result = await inv.result({ timeoutMs: deadAfterMs * 3 + 60_000 });
    expect(await statuses(inv.id)).toEqual(["REGISTERED", "PENDING", "RUNNING", "SUCCESS"]);
    expect((await childrenOf(ctx.id)).map((c) => c.pid)).toContain(result.pid);
    for (const r of [proc, watcher.proc]) {
      r.proc.kill("SIGTERM");
      expect((await r.exited).code).toBe(0);
    }
  });

  it("MultiThreadRunner adds children while work is queued and retires idle ones", async () => {
    const { proc, ctx } = await start("MultiThreadRunner", {
      maxProcesses: 2,
      threadsPerProcess: 1,
      processIdleTimeoutSeconds: 1,
    });
    expect(await childrenOf(ctx.id)).toHaveLength(1);
    const g = gate();
    const invs = await Promise.all([0, 1].map((i) => tasks.gated(g.path, `grow-${i}`, false)));
    // One slot per child: both running means a second child was added for the queued one.
    await waitUntil(
      async () => (await Promise.all(invs.map((i) => i.status()))).every((s) => s === "RUNNING"),
      60_000,
      "both RUNNING",
    );
    expect(await childrenOf(ctx.id)).toHaveLength(2);
    g.open();
    const results = await Promise.all(invs.map((i) => i.result({ timeoutMs: 60_000 })));
    expect(new Set(results.map((r) => r.pid)).size).toBe(2);
    await waitUntil(async () => (await childrenOf(ctx.id)).length === 1, 60_000, "an idle child retired");
    const retired = (await childrenOf(ctx.id, false)).filter((c) => c.stoppedAt !== null);
    expect(retired.length).toBeGreaterThanOrEqual(1);
    proc.proc.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  });
});
