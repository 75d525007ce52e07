import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { createComponents } from "../../src/backends/registry.js";
import { wakeStrandedWaiters } from "../../src/concurrency/stranded.js";
import { defaultConfig } from "../../src/config/schema.js";
import type { NewInvocation } from "../../src/core/contract/index.js";
import { LogRoot } from "../../src/core/logger.js";
import {
  AsyncRunner,
  ConcurrencyConflictError,
  ErrorCode,
  Nenc,
  TaskDefinitionError,
  TaskFailedError,
} from "../../src/index.js";
import { createMonitorApp } from "../../src/monitor/server.js";
import { get } from "../monitor/helpers.js";

const app = new Nenc({ appId: "unit_concurrency", backend: "memory", logLevel: "silent" });

/** Gates the tasks wait on, opened by the test: no timing assumptions. */
const gates = new Map<string, () => void>();
const gate = (name: string) => new Promise<void>((resolve) => gates.set(name, resolve));
const open = async (name: string) => {
  await expect.poll(() => gates.has(name), { timeout: 10_000 }).toBe(true);
  gates.get(name)?.();
};
let running = 0;
let maxRunning = 0;

const syncCustomer = app.task(
  async (customerId: string, note: string) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await gate(`${customerId}:${note}`);
    running--;
    return `${customerId}:${note}`;
  },
  {
    name: "syncCustomer",
    registrationConcurrency: "KEYS",
    runningConcurrency: "KEYS",
    concurrencyKey: (customerId, _note) => customerId,
    onDiffNonKeyArgsRaise: true,
    rerouteOnConcurrencyControl: true,
  },
);
const limited = app.task(
  async (n: number) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await gate(`limited:${n}`);
    running--;
    return n;
  },
  { name: "limited", runningConcurrency: "TASK", runningConcurrencyLimit: 2, rerouteOnConcurrencyControl: true },
);
const dropped = app.task(
  async (n: number) => {
    await gate(`dropped:${n}`);
    return n;
  },
  { name: "dropped", runningConcurrency: "TASK" },
);
const badKey = app.task(async (n: number) => n, {
  name: "badKey",
  runningConcurrency: "KEYS",
  // Returns a number at run time despite its type (a JavaScript caller, a cast).
  concurrencyKey: (n) => (n > 0 ? (n as unknown as string) : String(n)),
});
const throwingKey = app.task(async (id: string) => id, {
  name: "throwingKey",
  registrationConcurrency: "KEYS",
  concurrencyKey: (id) => {
    throw new Error(`no key for ${id}`);
  },
});

const runner = new AsyncRunner({ app, concurrency: 8 });
beforeAll(async () => {
  await runner.start();
});
afterAll(async () => {
  await runner.stop();
  await app.purge();
  await app.close();
});

describe("concurrency control (task API, memory backend)", () => {
  it("concurrencyKey is typed by the task's parameters", () => {
    expectTypeOf(syncCustomer.options.runningConcurrency).toEqualTypeOf<"DISABLED" | "TASK" | "ARGUMENTS" | "KEYS">();
    app.task(async (a: number) => a, {
      name: "typedKey",
      runningConcurrency: "KEYS",
      // @ts-expect-error: the key function gets the task's own parameter types
      concurrencyKey: (a: string) => a,
    });
  });

  it("a registration with the same key while the first is unfinished returns the same invocation", async () => {
    const first = await syncCustomer("c1", "x");
    const again = await syncCustomer("c1", "x");
    expect(again.id).toBe(first.id);
    await expect(syncCustomer("c1", "other note")).rejects.toMatchObject({
      code: ErrorCode.ConcurrencyConflict,
      existingId: first.id,
    });
    await expect(syncCustomer("c1", "other note")).rejects.toBeInstanceOf(ConcurrencyConflictError);
    const other = await syncCustomer("c2", "x");
    expect(other.id).not.toBe(first.id);
    await open("c1:x");
    await open("c2:x");
    expect(await first.result()).toBe("c1:x");
    expect(await other.result()).toBe("c2:x");
    // Finished: the key is free again.
    const later = await syncCustomer("c1", "y");
    expect(later.id).not.toBe(first.id);
    await open("c1:y");
    expect(await later.result()).toBe("c1:y");
  });

  it("at most runningConcurrencyLimit run at once; the held-back ones run as slots free", async () => {
    maxRunning = 0;
    const invs = await Promise.all([0, 1, 2, 3, 4].map((n) => limited(n)));
    await expect.poll(async () => (await app.findInvocations({ task: limited, status: ["RUNNING"] })).length).toBe(2);
    await expect
      .poll(async () => (await app.findInvocations({ task: limited, status: ["CONCURRENCY_CONTROLLED"] })).length)
      .toBeGreaterThan(0);
    // The monitor's tasks page lists the scope at its limit, its holders and what waits on it.
    const waiting = await app.findInvocations({ task: limited, status: ["CONCURRENCY_CONTROLLED"] });
    const page = (await get(createMonitorApp(app).hono, "/tasks")).text;
    const limits = page.slice(page.indexOf("Concurrency limits reached"));
    expect(limits).toContain("<code>limited</code>");
    expect(limits).toContain("2 / 2");
    for (const w of waiting) expect(limits).toContain(`/invocations/${w.id}`);
    const invPage = (await get(createMonitorApp(app).hono, `/invocations/${invs[0]?.id}`)).text;
    expect(invPage).toContain("running concurrency scope");
    expect(invPage).toContain("<code>limited</code>");
    for (const n of [0, 1, 2, 3, 4]) await open(`limited:${n}`);
    expect(await Promise.all(invs.map((i) => i.result()))).toEqual([0, 1, 2, 3, 4]);
    expect(maxRunning).toBe(2);
  });

  it("with rerouting off a blocked invocation ends CONCURRENCY_CONTROLLED_FINAL and result() says why", async () => {
    const a = await dropped(1);
    await expect.poll(() => a.status()).toBe("RUNNING");
    const b = await dropped(2);
    await expect.poll(() => b.status()).toBe("CONCURRENCY_CONTROLLED_FINAL");
    const err = await b.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).originalCode).toBe(ErrorCode.ConcurrencyControlled);
    await open("dropped:1");
    expect(await a.result()).toBe(1);
  });

  it("a concurrencyKey that throws or returns a non-string is an error at the call; nothing is recorded", async () => {
    const before = (await app.findInvocations({ limit: 1000 })).length;
    await expect(throwingKey("a")).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      cause: { message: "no key for a" },
    });
    await expect(badKey(5)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    await expect(badKey(5)).rejects.toThrow(/must return a string, got number/);
    expect((await app.findInvocations({ limit: 1000 })).length).toBe(before);
  });

  it("invalid option combinations are a TaskDefinitionError at definition", () => {
    const fn = async (a: string) => a;
    const bad: Array<[string, Parameters<typeof app.task<typeof fn>>[1]]> = [
      ['a "KEYS" concurrency mode needs concurrencyKey', { runningConcurrency: "KEYS" }],
      ['concurrencyKey is only used by a "KEYS" mode', { runningConcurrency: "TASK", concurrencyKey: (a) => a }],
      [
        "runningConcurrencyLimit must be a positive integer",
        { runningConcurrency: "TASK", runningConcurrencyLimit: 0 },
      ],
      ["runningConcurrencyLimit needs runningConcurrency", { runningConcurrencyLimit: 2 }],
      ['it needs registrationConcurrency "KEYS"', { registrationConcurrency: "TASK", onDiffNonKeyArgsRaise: true }],
      ["rerouteOnConcurrencyControl needs runningConcurrency", { rerouteOnConcurrencyControl: true }],
      [
        "registrationConcurrency must be one of DISABLED, TASK, ARGUMENTS, KEYS",
        { registrationConcurrency: "ALL" as "TASK" },
      ],
    ];
    for (const [message, options] of bad) {
      expect(() => app.task(fn, { ...options, name: `bad${Math.random().toString(36).slice(2)}` })).toThrow(
        expect.objectContaining({ message: expect.stringContaining(message) }) as Error,
      );
      expect(() => app.task(fn, { ...options, name: "bad" })).toThrow(TaskDefinitionError);
    }
  });
});

describe("stranded concurrency waiters (the pending-recovery pass's safety net)", () => {
  it("a waiter left waiting with a free slot (its woken predecessor was cancelled) is rerouted by the pass", async () => {
    const comps = await createComponents({ ...defaultConfig(), appId: "unit_concurrency_stranded", backend: "memory" });
    const { orchestrator, broker, stateBackend } = comps;
    const concurrency = { registrationScope: null, runningScope: "s", runningLimit: 1, rerouteWhenBlocked: true };
    const [a, b, d] = ["a", "b", "d"].map((id) => ({
      id,
      taskId: "t",
      args: "[]",
      parentId: null,
      workflowId: id,
      createdAt: Date.now(),
      concurrency,
    })) as [NewInvocation, NewInvocation, NewInvocation];
    await stateBackend.saveInvocations([a, b, d]);
    await orchestrator.register([a, b, d]);
    const [pa, pb, pd] = await orchestrator.transition(
      [a, b, d].map((i) => ({ id: i.id, to: "PENDING" as const, runnerId: "r" })),
    );
    expect([pa?.ok && pa.to, pb?.ok && pb.to, pd?.ok && pd.to]).toEqual([
      "PENDING",
      "CONCURRENCY_CONTROLLED",
      "CONCURRENCY_CONTROLLED",
    ]);
    const [freed] = await orchestrator.transition([
      { id: "a", to: "KILLED", runnerId: "r", token: pa?.ok ? pa.token : 0 },
    ]);
    expect(freed?.ok && freed.woken).toEqual(["b"]);
    await orchestrator.transition([
      { id: "b", to: "CANCELLING", runnerId: null },
      { id: "b", to: "FAILED", runnerId: null },
    ]);
    const logger = new LogRoot().child({ component: "test" });
    expect(await wakeStrandedWaiters({ orchestrator, broker, stateBackend, runnerId: "recoverer", logger })).toEqual([
      "d",
    ]);
    expect((await orchestrator.getStatuses(["d"])).get("d")?.status).toBe("REROUTED");
    expect([...(await broker.queued(["d"]))]).toEqual(["d"]);
    // Nothing left to wake: the slot is free but nobody waits.
    expect(await wakeStrandedWaiters({ orchestrator, broker, stateBackend, runnerId: "recoverer", logger })).toEqual(
      [],
    );
    await orchestrator.purge();
    await broker.purge();
  });
});
