/**
 * Large values end to end on every backend (an in-process AsyncRunner): stored once under
 * their hash and round-tripping, too large refused at the call with nothing recorded, a too
 * large result FAILED with a clear reason, and retention removing the values with the last
 * invocation referencing them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import { isValueRef } from "../../src/core/large-values.js";
import {
  AsyncRunner,
  ErrorCode,
  Nenc,
  type NencConfigInput,
  TaskFailedError,
  ValueTooLargeError,
} from "../../src/index.js";
import { deleteOldInvocations } from "../../src/recovery/retention-pass.js";
import { sqliteBackend, testAppId } from "../helpers/backends.js";
import { postgresBackend } from "../helpers/postgres.js";
import { redisBackend } from "../helpers/redis.js";
import { requireServer } from "../helpers/servers.js";

const LIMITS = { largeValueBytes: 4096, maxValueBytes: 200_000, logLevel: "silent" } as const;
const backends: Array<{ name: string; options: () => NencConfigInput; after?: () => Promise<void> }> = [
  { name: "memory", options: () => ({ backend: "memory", appId: testAppId("lv"), ...LIMITS }) },
  { name: "sqlite", options: () => sqliteBackend(LIMITS).options },
];
if (await requireServer("redis")) backends.push({ name: "redis", options: () => redisBackend(LIMITS).options });
if (await requireServer("postgres")) {
  const pg = postgresBackend(LIMITS);
  backends.push({ name: "postgres", options: () => pg.options, after: () => pg.dropSchema() });
}

function define(app: Nenc) {
  return {
    echo: app.task(async (text: string) => text.length, { name: "length" }),
    blowUp: app.task(async (n: number) => "x".repeat(n), { name: "blowUp" }),
  };
}

describe.each(backends)("large values ($name)", ({ options, after }) => {
  let app: Nenc;
  let runner: AsyncRunner;
  let echo: ReturnType<typeof define>["echo"];
  let blowUp: ReturnType<typeof define>["blowUp"];

  beforeAll(async () => {
    app = new Nenc(options());
    ({ echo, blowUp } = define(app));
    runner = new AsyncRunner({ app });
    await runner.start();
  });
  afterAll(async () => {
    await runner?.stop();
    await app?.purge();
    await app?.close();
    await after?.();
  });

  it("a large argument is stored once under its hash and round-trips; a large result too", async () => {
    const big = "é".repeat(50_000); // 100 KB of UTF-8, above largeValueBytes
    const [a, b] = [await echo(big), await echo(big)];
    expect(await a.result({ timeoutMs: 20_000 })).toBe(50_000);
    expect(await b.result({ timeoutMs: 20_000 })).toBe(50_000);
    const { stateBackend, orchestrator } = await appServices(app).components();
    const data = await stateBackend.getInvocations([a.id, b.id]);
    const [refA, refB] = [data.get(a.id)?.args ?? "", data.get(b.id)?.args ?? ""];
    expect(isValueRef(refA)).toBe(true);
    expect(refB).toBe(refA); // identical values: one stored value
    expect(refA.length).toBeLessThan(100);
    const big2 = await blowUp(150_000);
    expect(await big2.result({ timeoutMs: 20_000 })).toBe("x".repeat(150_000));
    const outcome = await orchestrator.getOutcome(big2.id);
    expect(outcome?.kind === "result" && isValueRef(outcome.value)).toBe(true);
    const small = await blowUp(10);
    expect(await small.result({ timeoutMs: 20_000 })).toBe("x".repeat(10));
    expect(await orchestrator.getOutcome(small.id)).toEqual({ kind: "result", value: '"xxxxxxxxxx"' });
  });

  it("an argument above maxValueBytes is refused at the call and nothing is recorded", async () => {
    const before = await app.findInvocations({ limit: 1000 });
    const err = await echo("y".repeat(250_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValueTooLargeError);
    expect(err).toMatchObject({ code: ErrorCode.ValueTooLarge, path: "length arguments", limit: 200_000 });
    expect((err as Error).message).toMatch(/maxValueBytes/);
    expect((await app.findInvocations({ limit: 1000 })).length).toBe(before.length);
  });

  it("a result above maxValueBytes makes the invocation FAILED with the reason", async () => {
    const inv = await blowUp(250_000);
    const err = await inv.result({ timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).originalCode).toBe(ErrorCode.ValueTooLarge);
    expect((err as Error).message).toMatch(/blowUp result take \d+ bytes as JSON, above maxValueBytes/);
    expect(await inv.status()).toBe("FAILED");
  });

  it("retention removes a large value with the last invocation referencing it", async () => {
    const { stateBackend, orchestrator } = await appServices(app).components();
    const big = "z".repeat(20_000);
    const inv = await echo(big);
    await inv.result({ timeoutMs: 20_000 });
    const ref = (await stateBackend.getInvocations([inv.id])).get(inv.id)?.args ?? "";
    const hash = ref.slice(ref.indexOf("sha256:"));
    expect((await stateBackend.getValues([hash])).size).toBe(1);
    await deleteOldInvocations({ orchestrator, stateBackend, logger: app.logger }, Date.now() + 1000);
    expect((await stateBackend.getValues([hash])).size).toBe(0);
    expect((await stateBackend.getInvocations([inv.id])).size).toBe(0);
  });
});
