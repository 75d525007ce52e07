import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { appServices } from "../../src/app.js";
import {
  AsyncRunner,
  cron,
  ErrorCode,
  Nenc,
  onError,
  onEvent,
  onResult,
  onStatus,
  type TriggerCondition,
  TriggerDefinitionError,
  triggeredInvocationId,
} from "../../src/index.js";
import { createMonitorApp } from "../../src/monitor/server.js";
import { evaluateEvent } from "../../src/triggers/events.js";
import { get } from "../monitor/helpers.js";

class CardDeclined extends Error {
  override name = "CardDeclined";
}

const app = new Nenc({ appId: "unit_triggers", backend: "memory", logLevel: "silent" });
const orderPaid = app.event<{ orderId: string; cents: number }>("order.paid");
const userJoined = app.event<{ user: string }>("user.joined");

const charge = app.task(
  async (orderId: string, cents: number) => {
    if (cents < 0) throw new CardDeclined(`declined ${orderId}`);
    if (cents === 0) throw new TypeError("zero");
    return { ok: cents < 10_000, orderId };
  },
  { name: "charge" },
);
const ship = app.task(async (orderId: string) => `shipped ${orderId}`, {
  name: "ship",
  triggers: [onEvent(orderPaid, { args: (p) => [p.orderId] })],
});
const bill = app.task(async (cents: number, eventId: string) => ({ cents, eventId }), {
  name: "bill",
  triggers: onEvent(orderPaid, { filter: (p) => p.cents > 100, args: (p, id) => [p.cents, id] }),
});
const alert = app.task(async (sourceId: string, message: string) => `${sourceId}: ${message}`, {
  name: "alert",
  triggers: [onError(charge, { errors: [CardDeclined], args: (err, inv) => [inv.id, err.message] })],
});
const receipt = app.task(async (orderId: string) => orderId, {
  name: "receipt",
  triggers: onResult(charge, { filter: (r) => r.ok, args: (r) => [r.orderId] }),
});
const failedAny = app.task(async (taskId: string) => taskId, {
  name: "failedAny",
  triggers: onStatus(charge, "FAILED", { args: (inv) => [inv.taskId] }),
});
const audit = app.task(async () => "audited", {
  name: "audit",
  triggers: { all: [onResult(charge, { filter: (r) => r.ok }), onEvent(orderPaid)] },
});
const greet = app.task(async () => "hello", {
  name: "greet",
  triggers: { any: [onEvent(userJoined), onEvent(orderPaid, { filter: (p) => p.cents === 7 })] },
});
const everySecond = app.task(async () => "tick", { name: "everySecond", triggers: cron("* * * * * *") });

const runner = new AsyncRunner({ app, concurrency: 8 });
beforeAll(async () => {
  await runner.start();
});
afterAll(async () => {
  await runner.stop();
  await app.close();
});

/** The invocations of a task started by triggers (handles), once `n` of them exist. */
async function triggered(task: { id: string }, n: number) {
  let found: Awaited<ReturnType<typeof app.findInvocations>> = [];
  await expect
    .poll(
      async () => {
        found = await app.findInvocations({ task: task.id, limit: 1000 });
        return found.length;
      },
      { timeout: 15_000 },
    )
    .toBeGreaterThanOrEqual(n);
  return found;
}

describe("triggers (memory backend, in-process runner)", () => {
  it("an event starts each matching task once, with typed arguments and its origin", async () => {
    const eventId = await orderPaid.emit({ orderId: "o-1", cents: 500 });
    const [shipped] = await triggered(ship, 1);
    expect(await shipped!.result({ timeoutMs: 10_000 })).toBe("shipped o-1");
    expect(await shipped!.origin()).toEqual({ trigger: "ship#0", eventId, event: "order.paid" });
    const [billed] = await triggered(bill, 1);
    expect(await billed!.result({ timeoutMs: 10_000 })).toEqual({ cents: 500, eventId });
    // The deterministic id: a second evaluation of the same event starts nothing more.
    expect(shipped!.id).toBe(triggeredInvocationId("unit_triggers", "ship#0", `0:event:${eventId}`));
    const firer = await appServices(app).firer();
    await expect(
      evaluateEvent(appServices(app).triggers(), firer, "order.paid", { orderId: "o-1", cents: 500 }, eventId),
    ).resolves.toMatchObject({ fired: 0 });
    expect(await app.findInvocations({ task: ship.id })).toHaveLength(1);
  });

  it("a filter that refuses the payload starts nothing; `any` fires on either condition", async () => {
    await orderPaid.emit({ orderId: "o-2", cents: 7 }); // bill wants > 100; greet's `any` wants 7
    await userJoined.emit({ user: "ann" });
    const greeted = await triggered(greet, 2);
    expect(greeted).toHaveLength(2);
    await triggered(ship, 2);
    expect((await app.findInvocations({ task: bill.id })).length).toBe(1);
  });

  it("result, error and status triggers: each source outcome fires once", async () => {
    const ok = await charge("o-3", 300);
    const declined = await charge("o-4", -1);
    const zero = await charge("o-5", 0);
    await ok.result();
    await declined.result().catch(() => {});
    await zero.result().catch(() => {});
    const [r] = await triggered(receipt, 1);
    expect(await r!.result({ timeoutMs: 10_000 })).toBe("o-3");
    expect(await r!.origin()).toEqual({ trigger: "receipt#0", sourceId: ok.id });
    // onError with errors: [CardDeclined] fires for the declined card only.
    const [a] = await triggered(alert, 1);
    expect(await a!.result({ timeoutMs: 10_000 })).toBe(`${declined.id}: declined o-4`);
    // onStatus(FAILED) fires for both failures.
    const failed = await triggered(failedAny, 2);
    expect(new Set(await Promise.all(failed.map(async (f) => (await f.origin())?.sourceId)))).toEqual(
      new Set([declined.id, zero.id]),
    );
    // Nothing more comes from later scans of the same outcomes.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await app.findInvocations({ task: alert.id })).toHaveLength(1);
    expect(await app.findInvocations({ task: receipt.id })).toHaveLength(1);
  });

  it("`all` fires once every condition has matched since it last fired", async () => {
    // The events above and the successful charge already completed one round: one audit.
    const [first] = await triggered(audit, 1);
    expect(await first!.result({ timeoutMs: 10_000 })).toBe("audited");
    await new Promise((r) => setTimeout(r, 800));
    expect(await app.findInvocations({ task: audit.id })).toHaveLength(1);
    // Only the event again: not yet.
    await orderPaid.emit({ orderId: "o-6", cents: 50 });
    await triggered(ship, 3);
    await new Promise((r) => setTimeout(r, 800));
    expect(await app.findInvocations({ task: audit.id })).toHaveLength(1);
    // The other condition too: a second audit.
    await (await charge("o-7", 20)).result();
    await triggered(audit, 2);
  });

  it("a cron trigger starts its task once per tick", async () => {
    const runs = await triggered(everySecond, 3);
    const ticks = await Promise.all(runs.map(async (r) => (await r.origin())?.tick));
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const t of ticks) expect(t! % 1000).toBe(0);
  });

  it("the monitor lists the triggers with what they started; an invocation's page names its trigger", async () => {
    const { hono } = createMonitorApp(app);
    const page = await get(hono, "/triggers");
    expect(page.status).toBe(200);
    for (const id of [
      "ship#0",
      "bill#0",
      "alert#0",
      "receipt#0",
      "failedAny#0",
      "audit#0",
      "greet#0",
      "everySecond#0",
    ]) {
      expect(page.text).toContain(`data-trigger-id="${id}"`);
    }
    expect(page.text).toContain("result of charge (filtered) and event order.paid");
    expect(page.text).toContain("cron * * * * * * (UTC)");
    expect(page.text).toContain("order.paid"); // recent events
    const [shipped] = await app.findInvocations({ task: ship.id });
    expect(page.text).toContain(shipped!.id);
    const inv = await get(hono, `/invocations/${shipped!.id}`);
    expect(inv.text).toMatch(
      /started by.*trigger <a href="\/triggers#ship#0" data-trigger="ship#0">ship#0<\/a>, event order.paid/s,
    );
  });

  it("bad definitions are errors at definition time, naming the trigger", () => {
    const task = async () => 1;
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(TriggerDefinitionError);
        return `${(err as TriggerDefinitionError).code}: ${(err as Error).message}`;
      }
      throw new Error("expected an error");
    };
    expect(code(() => cron("61 * * * *"))).toMatch(
      /NENC_TRIGGER_DEFINITION: cron\("61 \* \* \* \*"\) is not a valid cron expression/,
    );
    expect(code(() => cron("* * * * *", { timezone: "Mars/Olympus" }))).toMatch(/unknown time zone "Mars\/Olympus"/);
    expect(code(() => app.task(task, { name: "t1", triggers: [onResult("nope")] }))).toMatch(
      /Trigger t1#0: result of nope names task "nope", which is not registered in this app/,
    );
    const other = new Nenc({ appId: "unit_triggers_other", backend: "memory", logLevel: "silent" });
    const foreign = other.event<number>("x");
    expect(code(() => app.task(task, { name: "t2", triggers: onEvent(foreign) }))).toMatch(
      /Trigger t2#0: event "x" was made by another app/,
    );
    expect(code(() => app.task(task, { name: "t3", triggers: { all: [] } }))).toMatch(
      /Trigger t3#0: \{ all: \[\] \} lists no condition/,
    );
    expect(code(() => app.event("order.paid"))).toMatch(/already declared/);
    expect(code(() => app.event("bad name!"))).toMatch(/Event name "bad name!" is not valid/);
    expect(code(() => onStatus(charge, "DONE" as never))).toMatch(/"DONE" is not a status/);
    // Nothing was registered by the failed definitions.
    expect(app.taskIds).not.toContain("t1");
  });

  it("arguments that do not serialize fail the emit, naming the trigger; nothing is recorded", async () => {
    const hookEvent = app.event<{ n: number }>("hook");
    app.task(async (_f: unknown) => 1, {
      name: "takesFunction",
      triggers: onEvent(hookEvent, { args: (p) => [() => p.n] }),
    });
    const before = (await app.findInvocations({ task: "nenc.event", limit: 1000 })).length;
    const err = (await hookEvent.emit({ n: 1 }).catch((e: unknown) => e)) as TriggerDefinitionError;
    expect(err.code).toBe(ErrorCode.TriggerDefinition);
    expect(err.message).toMatch(/Trigger takesFunction#0: the arguments for takesFunction do not serialize/);
    expect((await app.findInvocations({ task: "nenc.event", limit: 1000 })).length).toBe(before);
  });

  it("types: a condition's arguments are checked against the triggered task's parameters", () => {
    expectTypeOf(onEvent(orderPaid, { args: (p) => [p.orderId] })).toEqualTypeOf<TriggerCondition<[string]>>();
    expectTypeOf(cron("* * * * *")).toEqualTypeOf<TriggerCondition<[]>>();
    const takesString = async (_s: string) => 1;
    const compileOnly = (_: () => void) => {};
    compileOnly(() => {
      // @ts-expect-error a condition without args calls the task with none, and it needs a string
      app.task(takesString, { name: "typeCheckA", triggers: onEvent(orderPaid) });
      // @ts-expect-error the args return a number where the task takes a string
      app.task(takesString, { name: "typeCheckB", triggers: onEvent(orderPaid, { args: (p) => [p.cents] }) });
      app.task(takesString, { name: "typeCheckC", triggers: onEvent(orderPaid, { args: (p) => [p.orderId] }) });
    });
  });
});
