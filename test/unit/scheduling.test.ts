import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { appServices } from "../../src/app.js";
import {
  AsyncRunner,
  ErrorCode,
  InvalidArgumentError,
  type Invocation,
  Nenc,
  TaskDefinitionError,
} from "../../src/index.js";

const opened: Array<{ stop(): Promise<void> } | Nenc> = [];
afterEach(async () => {
  for (const x of opened.splice(0).reverse()) await (x instanceof Nenc ? x.close() : x.stop());
});

let n = 0;
function newApp(extra: ConstructorParameters<typeof Nenc>[0] = {}, appId = `unit_sched_${process.pid}_${++n}`) {
  const app = new Nenc({ appId, backend: "memory", logLevel: "silent", ...extra });
  opened.push(app);
  return app;
}
async function startRunner(app: Nenc) {
  const r = new AsyncRunner({ app });
  await r.start();
  opened.push(r);
  return r;
}

describe("task.with() and the queue/priority options", () => {
  it("is typed like the task: same parameters, same Invocation<R>", () => {
    const app = newApp();
    const charge = app.task(async (orderId: string, cents: number) => ({ orderId, cents }), { name: "charge" });
    const later = charge.with({ delayMs: 10 });
    expectTypeOf(later).parameters.toEqualTypeOf<[string, number]>();
    expectTypeOf(later).returns.toEqualTypeOf<Promise<Invocation<{ orderId: string; cents: number }>>>();
  });

  it("bad input is an InvalidArgumentError at the call and nothing is recorded", async () => {
    const app = newApp();
    const t = app.task(async (x: number) => x, { name: "t" });
    const bad = [
      { delayMs: -1 },
      { delayMs: Number.NaN },
      { runAt: new Date("not a date") },
      { runAt: "2027-01-01" as unknown as Date },
      { delayMs: 5, runAt: new Date() },
      { queue: "" },
      { queue: "has space" },
      { priority: 1.5 },
      { priority: 5000 },
    ];
    for (const opts of bad) {
      const err = (() => {
        try {
          t.with(opts);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err, JSON.stringify(opts)).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).code).toBe(ErrorCode.InvalidArgument);
      expect((err as Error).message).toMatch(/^t\.with\(\): .*; nothing was recorded\.$/);
    }
    expect(await app.findInvocations({ task: t })).toEqual([]);
  });

  it("bad task options are a TaskDefinitionError at app.task()", () => {
    const app = newApp();
    expect(() => app.task(async () => 1, { name: "a", queue: "" })).toThrow(TaskDefinitionError);
    expect(() => app.task(async () => 1, { name: "b", priority: 0.5 })).toThrow(TaskDefinitionError);
    expect(app.task(async () => 1, { name: "c", queue: "payments", priority: 5 }).options).toMatchObject({
      queue: "payments",
      priority: 5,
    });
  });

  it("a call's queue, priority and run-at time are stored with the invocation", async () => {
    const app = newApp();
    const t = app.task(async (x: number) => x, { name: "t", queue: "payments", priority: 5 });
    const runAt = new Date(Date.now() + 3_600_000);
    const a = await t(1);
    const b = await t.with({ runAt, priority: 9, queue: "slow" })(2);
    const { stateBackend } = await appServices(app).components();
    const data = await stateBackend.getInvocations([a.id, b.id]);
    expect(data.get(a.id)).toMatchObject({ queue: "payments", priority: 5, runAt: null });
    expect(data.get(b.id)).toMatchObject({ queue: "slow", priority: 9, runAt: runAt.getTime() });
  });
});

describe("scheduling with a runner", () => {
  it("a delayed call does not start before its time; a past runAt runs at once", async () => {
    const app = newApp();
    const started = new Map<string, number>();
    const t = app.task(
      async (tag: string) => {
        started.set(tag, Date.now());
        return tag;
      },
      { name: "t" },
    );
    await startRunner(app);
    const calledAt = Date.now();
    const later = await t.with({ delayMs: 700 })("later");
    const past = await t.with({ runAt: new Date(Date.now() - 60_000) })("past");
    expect(await past.result({ timeoutMs: 10_000 })).toBe("past");
    expect(await later.status()).toBe("REGISTERED");
    expect(await later.result({ timeoutMs: 10_000 })).toBe("later");
    expect(started.get("later")).toBeGreaterThanOrEqual(calledAt + 700);
  });

  it("priority orders work within a queue: higher first, the task's priority as default", async () => {
    const app = newApp({ runnerConcurrency: 1 });
    const order: string[] = [];
    const t = app.task(
      async (tag: string) => {
        order.push(tag);
      },
      { name: "t" },
    );
    const urgent = app.task(
      async (tag: string) => {
        order.push(tag);
      },
      { name: "urgent", priority: 5 },
    );
    const calls = [
      await t.with({ priority: -1 })("low"),
      await t("zero"),
      await urgent("task-5"),
      await t.with({ priority: 9 })("nine"),
      await t("zero-2"),
    ];
    await startRunner(app);
    for (const c of calls) await c.result({ timeoutMs: 10_000 });
    expect(order).toEqual(["nine", "task-5", "zero", "zero-2", "low"]);
  });

  it("a runner takes work only from its runnerQueues; one without takes every queue", async () => {
    const appId = `unit_sched_queues_${process.pid}`;
    const define = (app: Nenc, ran: string[]) => ({
      a: app.task(async () => void ran.push("a"), { name: "a", queue: "a" }),
      b: app.task(async () => void ran.push("b"), { name: "b", queue: "b" }),
    });
    const ranA: string[] = [];
    const onlyA = newApp({ runnerQueues: "a", runnerConcurrency: 1 }, appId);
    define(onlyA, ranA);
    const caller = newApp({}, appId);
    const calls = define(caller, []);
    // b is routed first: a runner of every queue (concurrency 1) would take it before a.
    const b = await calls.b();
    const a = await calls.a();
    await startRunner(onlyA);
    await a.result({ timeoutMs: 10_000 });
    expect(ranA).toEqual(["a"]);
    expect(await b.status()).toBe("REGISTERED");
    const ranAll: string[] = [];
    const everyQueue = newApp({}, appId);
    define(everyQueue, ranAll);
    await startRunner(everyQueue);
    await b.result({ timeoutMs: 10_000 });
    expect(ranAll).toEqual(["b"]);
  });
});
