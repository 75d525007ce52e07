import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { appServices } from "../../src/app.js";
import {
  type AbortedError,
  AsyncRunner,
  currentContext,
  ErrorCode,
  InvalidArgumentError,
  InvocationGroup,
  Nenc,
  NoContextError,
  type TaskContext,
  TaskFailedError,
} from "../../src/index.js";

class Flaky extends Error {}

const app = new Nenc({ appId: "unit_task_api", backend: "memory", logLevel: "silent" });
const seen: TaskContext[] = [];
const aborts: Array<{ id: string; why: string }> = [];
let flakyCalls = 0;

const charge = app.task(
  async (orderId: string, cents: number) => {
    seen.push({ ...charge.context });
    return { orderId, cents: cents * 2 };
  },
  { name: "charge" },
);
const flaky = app.task(
  async () => {
    flakyCalls++;
    if (flakyCalls === 1) throw new Flaky("first attempt");
    return currentContext()?.attempt ?? 0;
  },
  { name: "flaky", maxRetries: 1, retryFor: [Flaky] },
);
const parent = app.task(
  async (n: number) => {
    const child = await charge(`child-${n}`, n);
    await child.result();
    return child.id;
  },
  { name: "parent" },
);
const waitForAbort = app.task(
  async () => {
    const ctx = waitForAbort.context;
    await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
    const reason = ctx.signal.reason as AbortedError;
    aborts.push({ id: ctx.invocationId, why: reason.why });
    return "ignored";
  },
  { name: "waitForAbort" },
);
const double = app.task(
  async (n: number) => {
    if (n < 0) throw new RangeError(`negative: ${n}`);
    await new Promise((r) => setTimeout(r, (5 - n) * 10));
    return n * 2;
  },
  { name: "double", parallelBatchSize: 2 },
);
const echo = app.task(async (value: unknown) => ({ value, big: 2n ** 64n, seen: new Set([value]) }), {
  name: "echo",
});
const runner = new AsyncRunner({ app });

beforeAll(async () => {
  await runner.start();
});
afterAll(async () => {
  await runner.stop();
});

const waitFor = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("task context", () => {
  it("a task knows its invocation: id, task, workflow, parent, runner, attempt, signal", async () => {
    const inv = await charge("o-1", 5);
    await inv.result({ timeoutMs: 5000 });
    const ctx = seen.find((c) => c.invocationId === inv.id);
    expect(ctx).toMatchObject({
      invocationId: inv.id,
      taskId: "charge",
      workflowId: inv.id,
      parentId: null,
      attempt: 1,
    });
    expect(ctx?.runnerId).toBe(runner.id);
    expect(ctx?.signal.aborted).toBe(false);
    const p = await parent(3);
    const childId = await p.result({ timeoutMs: 5000 });
    expect(seen.find((c) => c.invocationId === childId)).toMatchObject({ parentId: p.id, workflowId: p.id });
  });

  it("attempt is 2 on a retry", async () => {
    expect(await flaky.run()).toBe(2);
  });

  it("outside a running invocation: task.context throws NoContextError, currentContext() is undefined", () => {
    expect(() => charge.context).toThrow(NoContextError);
    expect(currentContext()).toBeUndefined();
  });
});

describe("cancel", () => {
  it("a running invocation's signal is aborted (cancelled) and result() rejects with NENC_CANCELLED", async () => {
    const inv = await waitForAbort();
    for (let i = 0; i < 200 && (await inv.status()) !== "RUNNING"; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await inv.cancel("customer asked")).toBe(true);
    await waitFor(() => aborts.some((a) => a.id === inv.id));
    expect(aborts.find((a) => a.id === inv.id)?.why).toBe("cancelled");
    const err = (await inv.result({ timeoutMs: 5000 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(err).toBeInstanceOf(TaskFailedError);
    expect(err.code).toBe(ErrorCode.Cancelled);
    expect(err.originalCode).toBe(ErrorCode.Cancelled);
    expect(await inv.status()).toBe("FAILED");
    expect(await inv.cancel()).toBe(false); // already final
  });

  it("an invocation cancelled before any runner takes it never starts", async () => {
    const idle = new Nenc({ appId: "unit_task_api_idle", backend: "memory", logLevel: "silent" });
    const t = idle.task(async () => "ran", { name: "never" });
    const inv = await t();
    expect(await inv.cancel()).toBe(true);
    expect((await inv.history()).map((h) => h.status)).toEqual(["REGISTERED", "CANCELLING", "FAILED"]);
    await idle.close();
  });
});

describe("calling patterns", () => {
  it("task.run calls and awaits the typed result", async () => {
    const r = await charge.run("o-2", 21);
    expectTypeOf(r).toEqualTypeOf<{ orderId: string; cents: number }>();
    expect(r).toEqual({ orderId: "o-2", cents: 42 });
  });

  it("parallelize: a group whose results() yields as each finishes and all() keeps input order", async () => {
    const group = await double.parallelize([[1], [2], [3], [4], [5]]);
    expect(group).toBeInstanceOf(InvocationGroup);
    expect(group.invocations).toHaveLength(5);
    const seenIdx: number[] = [];
    for await (const { index, result } of group.results()) {
      expectTypeOf(result).toEqualTypeOf<number>();
      expect(result).toBe((index + 1) * 2);
      seenIdx.push(index);
    }
    expect(seenIdx.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await group.all()).toEqual([2, 4, 6, 8, 10]);
  });

  it("parallelize registers in transactions of parallelBatchSize (one register call per batch)", async () => {
    const { orchestrator } = await appServices(app).components();
    const sizes: number[] = [];
    const register = orchestrator.register.bind(orchestrator);
    orchestrator.register = async (list) => {
      sizes.push(list.length);
      return register(list);
    };
    try {
      const group = await double.parallelize([[1], [2], [3], [4], [5]]); // parallelBatchSize: 2
      expect(sizes).toEqual([2, 2, 1]);
      expect(await group.all()).toEqual([2, 4, 6, 8, 10]);
    } finally {
      orchestrator.register = register;
    }
  });

  it("all() rejects with the first failure; the others still finish", async () => {
    const group = await double.parallelize([[1], [-1], [2]]);
    await expect(group.all()).rejects.toThrow(/negative: -1/);
    expect(await group.invocations[2]?.result({ timeoutMs: 5000 })).toBe(4);
  });
});

describe("queries", () => {
  it("findInvocations by task, status and parent, newest first, typed", async () => {
    const found = await app.findInvocations({ task: charge, status: "SUCCESS", limit: 3 });
    expect(found.length).toBe(3);
    expectTypeOf(found[0]!.result).returns.resolves.toEqualTypeOf<{ orderId: string; cents: number }>();
    for (const inv of found) expect(await inv.status()).toBe("SUCCESS");
    const p = await parent(7);
    const childId = await p.result({ timeoutMs: 5000 });
    const children = await app.findInvocations({ parentId: p.id });
    expect(children.map((c) => c.id)).toEqual([childId]);
    expect(await app.findInvocations({ task: "charge", status: ["PENDING"] })).toEqual([]);
  });

  it("a bad query is an InvalidArgumentError at the call", async () => {
    await expect(app.findInvocations({ limit: 0 })).rejects.toThrow(InvalidArgumentError);
    // @ts-expect-error not a status
    await expect(app.findInvocations({ status: "DONE" })).rejects.toThrow(/status "DONE"/);
  });
});

describe("values (memory engine, in-process runner)", () => {
  it("Map, Set, BigInt, undefined inside objects, typed arrays and URL round-trip through a runner", async () => {
    const value = {
      m: new Map([["k", [1n, undefined]]]),
      s: new Set(["x"]),
      missing: undefined,
      bytes: new Int16Array([-1, 2]),
      url: new URL("https://example.com/p"),
    };
    const result = await echo.run(value);
    expect(result.value).toEqual(value);
    expect(result.big).toBe(2n ** 64n);
    expect(result.seen).toEqual(new Set([value]));
  });

  it("a function, a symbol or a class instance is refused at the call, naming the path; nothing is recorded", async () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    const before = (await app.findInvocations({ task: echo, limit: 1000 })).length;
    await expect(echo({ pay: new Money(5) })).rejects.toMatchObject({
      code: ErrorCode.Serialization,
      path: "echo arguments[0].pay",
    });
    await expect(echo([() => 1])).rejects.toMatchObject({ path: "echo arguments[0][0]" });
    await expect(echo(Symbol("s"))).rejects.toMatchObject({ path: "echo arguments[0]" });
    expect((await app.findInvocations({ task: echo, limit: 1000 })).length).toBe(before);
  });
});

describe("hand-back", () => {
  it("stopping a runner aborts the signal of what it still runs (handed back)", async () => {
    const own = new Nenc({ appId: "unit_task_api_stop", backend: "memory", logLevel: "silent" });
    const reasons: AbortedError[] = [];
    const wait = own.task(
      async () => {
        const { signal } = wait.context;
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        reasons.push(signal.reason as AbortedError);
      },
      { name: "wait" },
    );
    const r = new AsyncRunner({ app: own });
    await r.start();
    const inv = await wait();
    for (let i = 0; i < 200 && (await inv.status()) !== "RUNNING"; i++) await new Promise((res) => setTimeout(res, 20));
    expect(await inv.status()).toBe("RUNNING");
    await r.stop("test over");
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ why: "handed back", code: ErrorCode.Aborted });
  });
});
