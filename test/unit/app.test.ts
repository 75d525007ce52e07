import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { appServices } from "../../src/app.js";
import {
  AsyncRunner,
  ErrorCode,
  InvocationNotFoundError,
  Nenc,
  RetryError,
  SerializationError,
  TaskDefinitionError,
  TaskFailedError,
  TimeoutError,
} from "../../src/index.js";

class FlakyError extends Error {}

const app = new Nenc({ appId: "unit_app", backend: "memory", logLevel: "silent" });
let attempts = 0;
const add = app.task(async function add(a: number, b: number) {
  return a + b;
});
const flaky = app.task(
  async (failures: number) => {
    attempts++;
    if (attempts <= failures) throw new FlakyError(`attempt ${attempts}`);
    return attempts;
  },
  { name: "flaky", maxRetries: 2, retryFor: [FlakyError] },
);
const asksRetry = app.task(
  async () => {
    throw new RetryError("not yet");
  },
  { name: "asksRetry", maxRetries: 1 },
);
const parent = app.task(
  async (n: number) => {
    parent.logger.info(`parent got ${n}`);
    const child = await add(n, 1);
    return { childId: child.id, result: await child.result({ timeoutMs: 5000 }) };
  },
  { name: "parent" },
);
const never = app.task(async () => "x", { name: "neverRun" });
const sendNothing = app.task(
  async (to: string) => {
    void to;
  },
  { name: "sendNothing" },
);
const runner = new AsyncRunner({ app });

beforeAll(async () => {
  await runner.start();
});
afterAll(async () => {
  await runner.stop();
});

describe("Nenc app API", () => {
  it("types flow from the task to invoke and result()", async () => {
    const inv = await add(1, 2);
    expectTypeOf(inv.result).returns.resolves.toEqualTypeOf<number>();
    expectTypeOf(add).parameters.toEqualTypeOf<[number, number]>();
    expect(typeof inv.id).toBe("string");
    expect(await inv.result({ timeoutMs: 5000 })).toBe(3);
    expect(await inv.status()).toBe("SUCCESS");
    expect((await inv.history()).map((h) => h.status)).toEqual(["REGISTERED", "PENDING", "RUNNING", "SUCCESS"]);
  });

  it("a task that returns nothing succeeds; result() resolves to undefined (AsyncRunner, memory)", async () => {
    const inv = await sendNothing("a@example.com");
    expectTypeOf(inv.result).returns.resolves.toEqualTypeOf<void>();
    expect(await inv.result({ timeoutMs: 5000 })).toBeUndefined();
    expect(await inv.status()).toBe("SUCCESS");
  });

  it("task ids: from the name option or the function name; missing or duplicate ids are errors", () => {
    expect(add.id).toBe("add");
    expect(flaky.id).toBe("flaky");
    const anonymous = (
      () => async () =>
        1
    )();
    expect(() => app.task(anonymous)).toThrow(TaskDefinitionError);
    expect(() => app.task(async () => 1, { name: "add" })).toThrow(/already registered/);
    expect(() => app.task(async () => 1, { name: "bad", maxRetries: -1 })).toThrow(TaskDefinitionError);
  });

  it("a non-serializable argument fails at the call and records nothing", async () => {
    const before = (await (await appServices(app).components()).orchestrator.find({})).length;
    const err = await add(1, (() => 2) as unknown as number).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SerializationError);
    expect((err as SerializationError).message).toContain("add arguments[1]");
    expect((await (await appServices(app).components()).orchestrator.find({})).length).toBe(before);
  });

  it("retryFor errors are retried with backoff, then succeed", async () => {
    attempts = 0;
    const inv = await flaky(2);
    expect(await inv.result({ timeoutMs: 10_000 })).toBe(3);
    const statuses = (await inv.history()).map((h) => h.status);
    expect(statuses.filter((s) => s === "RETRY")).toHaveLength(2);
  });

  it("retries are bounded by maxRetries; the last error is kept", async () => {
    const inv = await asksRetry();
    const err = (await inv.result({ timeoutMs: 10_000 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(err).toBeInstanceOf(TaskFailedError);
    expect(err.originalName).toBe("RetryError");
    expect(err.originalCode).toBe(ErrorCode.Retry);
    expect((await inv.history()).filter((h) => h.status === "RETRY")).toHaveLength(1);
  });

  it("a sub-task inherits the workflow and records its parent; logs carry the invocation id", async () => {
    const inv = await parent(41);
    const out = await inv.result({ timeoutMs: 10_000 });
    expect(out.result).toBe(42);
    const { stateBackend } = await appServices(app).components();
    const child = (await stateBackend.getInvocations([out.childId])).get(out.childId);
    expect(child).toMatchObject({ parentId: inv.id, workflowId: inv.id, taskId: "add" });
    await appServices(app).flushLogs();
    const logs = await stateBackend.logs(inv.id);
    expect(logs.map((l) => l.message)).toContain("parent got 41");
    expect(logs[0]).toMatchObject({ taskId: "parent", invocationId: inv.id, runnerId: runner.id });
  });

  it("result() times out with a clear error; getInvocation of an unknown id is not found", async () => {
    await runner.stop();
    const inv = await never();
    const err = await inv.result({ timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).message).toContain("Is a runner started");
    const missing = await app
      .getInvocation("nope")
      .status()
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InvocationNotFoundError);
  });

  it("purge deletes everything of the app", async () => {
    const inv = await add(5, 5);
    await app.purge();
    const err = await app
      .getInvocation(inv.id)
      .status()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvocationNotFoundError);
    const { broker } = await appServices(app).components();
    expect(await broker.depth()).toBe(0);
  });
});
