/**
 * Conformance cases for queues, priorities and delayed delivery; part of the one suite in
 * backend.case.ts (called from inside it), so every engine runs them.
 */
import { expect } from "vitest";
import type { Components, NewInvocation } from "../../src/core/contract/index.js";
import { brokerPriority } from "../../src/core/priorities.js";
import { routeAgain, routeRequestFor } from "../../src/core/routing.js";

interface Ctx {
  test(name: string, fn: () => Promise<void>): void;
  components(): Components;
  registered(n?: number, over?: Partial<NewInvocation>): Promise<NewInvocation[]>;
}

/** Claim until `ids` are all taken (or nothing more comes), from `queues`. */
async function drain(c: Components, queues?: string[]): Promise<string[]> {
  const got: string[] = [];
  for (;;) {
    const batch = await c.broker.claim(2, queues);
    if (batch.length === 0) return got;
    got.push(...batch);
  }
}

export function schedulingCases({ test, components, registered }: Ctx): void {
  test("queues: a claim takes only the claimer's queues; no queues means every queue", async () => {
    const c = components();
    await c.broker.route([{ id: "a1", queue: "a" }, { id: "b1", queue: "b" }, { id: "d1" }, { id: "a2", queue: "a" }]);
    expect(await drain(c, ["a"])).toEqual(["a1", "a2"]);
    expect(await c.broker.claim(10, ["zzz"])).toEqual([]);
    expect(await c.broker.depth()).toBe(2);
    expect(await drain(c, ["default", "b"])).toEqual(["b1", "d1"]);
    await c.broker.route([{ id: "x", queue: "x" }, { id: "y" }]);
    expect(await drain(c)).toEqual(["x", "y"]);
  });

  test("priority orders claims within a queue and across the claimer's queues, then arrival", async () => {
    const c = components();
    await c.broker.route([
      { id: "low", queue: "q", priority: brokerPriority("call", -5) },
      { id: "mid", queue: "q" },
      { id: "high", queue: "q", priority: brokerPriority("call", 9) },
      { id: "other-high", queue: "r", priority: brokerPriority("call", 9) },
      { id: "child", queue: "q", priority: brokerPriority("subInvocation", -1000) },
      { id: "mid2", queue: "q" },
    ]);
    // The precedence class first (a sub-invocation before any call), then the user priority.
    expect(await drain(c, ["q"])).toEqual(["child", "high", "mid", "mid2", "low"]);
    await c.broker.route([
      { id: "r1", queue: "r", priority: brokerPriority("call", 1) },
      { id: "q1", queue: "q", priority: brokerPriority("call", 1) },
    ]);
    expect(await drain(c, ["q", "r"])).toEqual(["other-high", "r1", "q1"]);
  });

  test("a delayed message is not claimable before its time and wakes a waiter when due", async () => {
    const c = components();
    const due = Date.now() + 800;
    await c.broker.route([{ id: "later", queue: "q", availableAt: due }]);
    expect(await c.broker.claim(5, ["q"])).toEqual([]);
    expect(await c.broker.queued(["later"])).toEqual(new Set(["later"]));
    let got: string[] = [];
    const started = Date.now();
    // The waiter's own timeout (10 s) is far away: it must wake for the due time by itself.
    while (got.length === 0 && Date.now() - started < 10_000) {
      await c.broker.waitForWork(10_000, ["q"]);
      got = await c.broker.claim(5, ["q"]);
    }
    const claimedAt = Date.now();
    expect(got).toEqual(["later"]);
    // Redis and PostgreSQL judge due times by the server's clock (same host here): allow 50 ms.
    expect(claimedAt).toBeGreaterThanOrEqual(due - 50);
    expect(claimedAt - due).toBeLessThan(5000);
  });

  // A wake-up may be spurious (the route's own write can wake a waiter once); what matters is
  // that ready work of another queue does not make a runner of queue a spin.
  test("waitForWork does not return at once for ready work of other queues", async () => {
    const c = components();
    await c.broker.route([{ id: "b1", queue: "b" }]);
    const started = Date.now();
    let waits = 0;
    while (Date.now() - started < 1200) {
      await c.broker.waitForWork(400, ["a"]);
      waits++;
    }
    expect(waits).toBeLessThanOrEqual(8);
    const ready = Date.now();
    await c.broker.waitForWork(10_000, ["b"]);
    expect(Date.now() - ready).toBeLessThan(5000);
  });

  test("invocation data keeps its queue, priority and run-at; routing again keeps them", async () => {
    const c = components();
    const runAt = Date.now() + 60_000;
    const [plain] = await registered(1);
    const [sched] = await registered(1, { queue: "payments", priority: 7, runAt });
    const got = await c.stateBackend.getInvocations([plain!.id, sched!.id]);
    expect(got.get(plain!.id)).toMatchObject({ queue: "default", priority: 0, runAt: null });
    expect(got.get(sched!.id)).toMatchObject({ queue: "payments", priority: 7, runAt });
    expect(routeRequestFor(got.get(sched!.id)!, "returned")).toEqual({
      id: sched!.id,
      queue: "payments",
      priority: brokerPriority("returned", 7),
      availableAt: runAt,
    });
    await routeAgain(c, [plain!.id, sched!.id], "returned");
    expect(await c.broker.claim(10, ["payments"])).toEqual([]); // not before its run-at time
    expect(await c.broker.claim(10, ["default"])).toEqual([plain!.id]);
    expect(await c.broker.queued([sched!.id])).toEqual(new Set([sched!.id]));
  });
}
