/**
 * Concurrency-control cases of the backend conformance suite (called from backend.case.ts
 * inside its describe, so every engine runs them with the same skips and fixtures).
 */
import { expect } from "vitest";
import type { Components, ConcurrencyScopes, NewInvocation, TransitionResult } from "../../src/core/contract/index.js";

export interface ConcurrencyCaseContext {
  test(name: string, fn: () => Promise<void>): void;
  /** The test's components (fresh per test). */
  c(): Components;
  /** More components on the same app (another connection, as another process would have). */
  open(): Promise<Components>;
  inv(over?: Partial<NewInvocation>): NewInvocation;
  ok(r: TransitionResult | undefined): Extract<TransitionResult, { ok: true }>;
}

export function concurrencyCases(t: ConcurrencyCaseContext): void {
  const scopes = (over: Partial<ConcurrencyScopes>): ConcurrencyScopes => ({
    registrationScope: null,
    runningScope: null,
    runningLimit: 1,
    rerouteWhenBlocked: true,
    ...over,
  });
  const registeredWith = async (n: number, concurrency: ConcurrencyScopes) => {
    const list = Array.from({ length: n }, () => t.inv({ concurrency }));
    await t.c().stateBackend.saveInvocations(list);
    const results = await t.c().orchestrator.register(list);
    expect(results.map((r) => r.existingId)).toEqual(list.map(() => null));
    return list.map((i) => i.id);
  };
  const claim = async (id: string, runner: string, comps = t.c()) => {
    const [r] = await comps.orchestrator.transition([{ id, to: "PENDING", runnerId: runner }]);
    return t.ok(r);
  };
  const status = async (id: string) => (await t.c().orchestrator.getStatuses([id])).get(id)?.status;

  t.test(
    "running concurrency: a claim beyond the limit waits, and a freed slot reroutes the oldest waiter",
    async () => {
      const c = t.c();
      const [a, b, d] = (await registeredWith(3, scopes({ runningScope: "rs:one", runningLimit: 1 }))) as [
        string,
        string,
        string,
      ];
      const rec = (await c.orchestrator.getStatuses([a])).get(a);
      expect(rec).toMatchObject({ runningScope: "rs:one", registrationScope: null });
      const pa = await claim(a, "r1");
      expect(pa.to).toBe("PENDING");
      expect((await claim(b, "r2")).to).toBe("CONCURRENCY_CONTROLLED");
      expect((await claim(d, "r2")).to).toBe("CONCURRENCY_CONTROLLED");
      const [ra] = await c.orchestrator.transition([{ id: a, to: "RUNNING", runnerId: "r1", token: pa.token }]);
      expect(t.ok(ra).woken).toBeUndefined(); // still holding
      const usage = await c.orchestrator.scopeUsage();
      expect(usage).toEqual([{ scope: "rs:one", taskId: "t", limit: 1, holders: [a], waiters: [b, d] }]);
      const [done] = await c.orchestrator.transition([
        { id: a, to: "SUCCESS", runnerId: "r1", token: t.ok(ra).token, outcome: { kind: "result", value: "1" } },
      ]);
      expect(t.ok(done).woken).toEqual([b]);
      expect(await status(b)).toBe("REROUTED");
      expect(await status(d)).toBe("CONCURRENCY_CONTROLLED");
      expect((await c.orchestrator.history(b)).map((h) => h.status)).toEqual([
        "REGISTERED",
        "CONCURRENCY_CONTROLLED",
        "REROUTED",
      ]);
      expect((await c.orchestrator.history(b)).at(-1)?.note).toContain(a);
      // The components route a woken waiter to the broker.
      expect([...(await c.broker.queued([b]))]).toEqual([b]);
      expect((await claim(b, "r2")).to).toBe("PENDING");
    },
  );

  t.test(
    "running concurrency: with rerouting off a blocked claim ends CONCURRENCY_CONTROLLED_FINAL with an error",
    async () => {
      const c = t.c();
      const [a, b] = (await registeredWith(2, scopes({ runningScope: "rs:drop", rerouteWhenBlocked: false }))) as [
        string,
        string,
      ];
      await claim(a, "r1");
      expect((await claim(b, "r2")).to).toBe("CONCURRENCY_CONTROLLED_FINAL");
      const outcome = await c.orchestrator.getOutcome(b);
      expect(outcome?.kind === "error" && outcome.error.code).toBe("NENC_CONCURRENCY_CONTROLLED");
      expect(outcome?.kind === "error" && outcome.error.message).toContain("rs:drop");
    },
  );

  t.test("running concurrency: racing claims from many connections never exceed the limit", async () => {
    const conns = [t.c(), ...(await Promise.all([t.open(), t.open(), t.open()]))];
    const ids = await registeredWith(24, scopes({ runningScope: "rs:race", runningLimit: 3 }));
    const results = await Promise.all(ids.map((id, i) => claim(id, `r${i % 4}`, conns[i % conns.length])));
    expect(results.filter((r) => r.to === "PENDING")).toHaveLength(3);
    expect(results.filter((r) => r.to === "CONCURRENCY_CONTROLLED")).toHaveLength(21);
    const [usage] = await t.c().orchestrator.scopeUsage();
    expect(usage?.holders).toHaveLength(3);
    expect(usage?.waiters).toHaveLength(21);
    // Releasing all three at once (racing too) wakes three distinct waiters.
    const holders = results.filter((r) => r.to === "PENDING");
    const released = await Promise.all(
      holders.map(async (h, i) => {
        const comps = conns[i % conns.length] as Components;
        const [k] = await comps.orchestrator.transition([
          { id: h.id, to: "KILLED", runnerId: h.ownerId, token: h.token },
        ]);
        return t.ok(k).woken ?? [];
      }),
    );
    const woken = released.flat();
    expect(new Set(woken).size).toBe(3);
    const rerouted = await Promise.all(woken.map(async (id, i) => claim(id, `r${i}`, conns[i % conns.length])));
    expect(rerouted.map((r) => r.to)).toEqual(["PENDING", "PENDING", "PENDING"]);
  });

  t.test(
    "running concurrency: a paused holder keeps its slot; a retry's claim is held back like a new one",
    async () => {
      const c = t.c();
      const [a, b] = (await registeredWith(2, scopes({ runningScope: "rs:pause" }))) as [string, string];
      const pb = await claim(b, "r1");
      const [rb] = await c.orchestrator.transition([{ id: b, to: "RUNNING", runnerId: "r1", token: pb.token }]);
      const [retry] = await c.orchestrator.transition([
        { id: b, to: "RETRY", runnerId: "r1", token: t.ok(rb).token, countRetry: true },
      ]);
      expect(t.ok(retry).woken).toBeUndefined(); // nobody waits yet
      const pa = await claim(a, "r1");
      const [ra] = await c.orchestrator.transition([{ id: a, to: "RUNNING", runnerId: "r1", token: pa.token }]);
      const [paused] = await c.orchestrator.transition([
        { id: a, to: "PAUSED", runnerId: "r1", token: t.ok(ra).token },
      ]);
      expect(t.ok(paused).woken).toBeUndefined();
      const held = await claim(b, "r2"); // RETRY -> PENDING refused for the paused holder's slot
      expect(held.from).toBe("RETRY");
      expect(held.to).toBe("CONCURRENCY_CONTROLLED");
      const [resumed] = await c.orchestrator.transition([
        { id: a, to: "RESUMED", runnerId: "r1", token: t.ok(ra).token },
      ]);
      const [done] = await c.orchestrator.transition([
        { id: a, to: "SUCCESS", runnerId: "r1", token: t.ok(resumed).token, outcome: { kind: "result", value: "1" } },
      ]);
      expect(t.ok(done).woken).toEqual([b]);
    },
  );

  t.test("running concurrency: recovering a dead holder frees its slot and wakes a waiter", async () => {
    const c = t.c();
    const [a, b] = (await registeredWith(2, scopes({ runningScope: "rs:rec" }))) as [string, string];
    const pa = await claim(a, "dead");
    await c.orchestrator.transition([{ id: a, to: "RUNNING", runnerId: "dead", token: pa.token }]);
    expect((await claim(b, "alive")).to).toBe("CONCURRENCY_CONTROLLED");
    const [rec] = await c.orchestrator.transition([
      { id: a, to: "RUNNING_RECOVERY", runnerId: "recoverer", expectFrom: ["RUNNING"] },
    ]);
    expect(t.ok(rec).woken).toEqual([b]);
    expect(await status(b)).toBe("REROUTED");
  });

  t.test(
    "registration concurrency: a duplicate resolves to the unfinished holder, atomically under racing",
    async () => {
      const conns = [t.c(), ...(await Promise.all([t.open(), t.open()]))];
      const concurrency = scopes({ registrationScope: "gs:one" });
      const list = Array.from({ length: 9 }, () => t.inv({ concurrency }));
      await t.c().stateBackend.saveInvocations(list);
      const results = (
        await Promise.all(list.map((inv, i) => (conns[i % conns.length] as Components).orchestrator.register([inv])))
      ).flat();
      const kept = results.filter((r) => r.existingId === null);
      expect(kept).toHaveLength(1);
      const holder = kept[0]?.id as string;
      expect(results.filter((r) => r.existingId !== null).every((r) => r.existingId === holder)).toBe(true);
      expect(await t.c().orchestrator.registrationHolder("gs:one")).toBe(holder);
      const dup = results.find((r) => r.existingId !== null)?.id as string;
      expect(await status(dup)).toBe("CONCURRENCY_CONTROLLED_FINAL");
      expect((await t.c().orchestrator.history(dup)).map((h) => h.status)).toEqual([
        "REGISTERED",
        "CONCURRENCY_CONTROLLED_FINAL",
      ]);
      // Once the holder is final, the scope is free again.
      await t.c().orchestrator.transition([
        { id: holder, to: "CANCELLING", runnerId: null },
        { id: holder, to: "FAILED", runnerId: null },
      ]);
      expect(await t.c().orchestrator.registrationHolder("gs:one")).toBeNull();
      const again = t.inv({ concurrency });
      await t.c().stateBackend.saveInvocations([again]);
      expect(await t.c().orchestrator.register([again])).toEqual([{ id: again.id, existingId: null }]);
      // Duplicates within one batch resolve to the first.
      const [x, y] = [
        t.inv({ concurrency: scopes({ registrationScope: "gs:batch" }) }),
        t.inv({ concurrency: scopes({ registrationScope: "gs:batch" }) }),
      ];
      expect(await t.c().orchestrator.register([x, y])).toEqual([
        { id: x.id, existingId: null },
        { id: y.id, existingId: x.id },
      ]);
    },
  );
}
