/**
 * The conformance suite every backend runs (memory, SQLite, Redis, PostgreSQL). A backend's
 * test file calls `runBackendConformance` once; a case it cannot pass goes in `skip` with a
 * reason. test/conformance/coverage.test.ts fails when a backend folder has no such file.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type {
  ClaimedStart,
  Components,
  InvocationDataFilter,
  NewInvocation,
  Outcome,
  Settlement,
  TransitionResult,
} from "../../src/core/contract/index.js";
import { CLAIMABLE_STATUSES } from "../../src/core/status.js";
import { claimWhenHeard, wokenByRoute } from "../helpers/claims.js";
import { concurrencyCases } from "./concurrency.case.js";
import { findCases } from "./find.case.js";
import { retentionCases } from "./retention.case.js";
import { schedulingCases } from "./scheduling.case.js";
import { valueStoreCases } from "./values.case.js";

export interface ConformanceOptions {
  name: string;
  /** Fresh components for an app id; called once or more per test. */
  create(appId: string): Promise<Components>;
  /** Cases this backend does not run, each with the reason. */
  skip?: Array<{ reason: string; tests: string[] }>;
}

/**
 * The cases an in-process engine (memory, SQLite) does not run: it has no AtomicClaimer and its
 * change signal names no statuses.
 */
export const IN_PROCESS_ENGINE_SKIPS: NonNullable<ConformanceOptions["skip"]> = [
  {
    reason: "no AtomicClaimer: its claims say nothing of the queues, and its runners look before each wait",
    tests: [
      "a wait after a claim that found the queues empty wakes for new work, for a due delayed id, and at once after a route since",
    ],
  },
  {
    reason:
      "its change signal names no statuses, so a wait for final ones wakes for every change (the contract allows it)",
    tests: ["waitForChange with finalOnly is not woken by a claim or a start"],
  },
];

export function runBackendConformance(opts: ConformanceOptions): void {
  const skipped = new Map<string, string>();
  for (const s of opts.skip ?? []) for (const t of s.tests) skipped.set(t, s.reason);
  const test = (name: string, fn: () => Promise<void>) => {
    const reason = skipped.get(name);
    if (reason) it.skip(`${name} (skipped: ${reason})`, fn);
    else it(name, fn);
  };

  describe(`backend conformance: ${opts.name}`, () => {
    let appId: string;
    let c: Components;
    const opened: Components[] = [];
    const open = async (id = appId) => {
      const comps = await opts.create(id);
      opened.push(comps);
      return comps;
    };

    beforeEach(async () => {
      appId = `conf_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
      c = await open();
    });

    afterEach(async () => {
      for (const comps of opened.splice(0)) {
        await Promise.allSettled([comps.orchestrator.purge(), comps.broker.purge(), comps.stateBackend.purge()]);
        await Promise.allSettled([comps.orchestrator.close(), comps.broker.close(), comps.stateBackend.close()]);
      }
    });

    const inv = (over: Partial<NewInvocation> = {}): NewInvocation => {
      const id = randomUUID();
      return { id, taskId: "t", args: "[1]", parentId: null, workflowId: id, createdAt: Date.now(), ...over };
    };
    const registered = async (n = 1, over: Partial<NewInvocation> = {}) => {
      const list = Array.from({ length: n }, () => inv(over));
      await c.stateBackend.saveInvocations(list);
      await c.orchestrator.register(list);
      return list;
    };
    const ok = (r: TransitionResult | undefined) => {
      if (!r?.ok) throw new Error(`expected ok, got ${JSON.stringify(r)}`);
      return r;
    };
    /** REGISTERED -> PENDING -> RUNNING for `runner`; returns the token. */
    const run = async (id: string, runner: string) => {
      const [p] = await c.orchestrator.transition([{ id, to: "PENDING", runnerId: runner }]);
      const [r] = await c.orchestrator.transition([{ id, to: "RUNNING", runnerId: runner, token: ok(p).token }]);
      return ok(r).token;
    };

    concurrencyCases({ test, c: () => c, open: () => open(), inv, ok });

    test("register records REGISTERED with its first history row, once", async () => {
      const [a] = await registered();
      await c.orchestrator.register([a!]);
      const rec = (await c.orchestrator.getStatuses([a!.id])).get(a!.id);
      expect(rec).toMatchObject({ id: a!.id, taskId: "t", status: "REGISTERED", ownerId: null, retries: 0 });
      const hist = await c.orchestrator.history(a!.id);
      expect(hist.map((h) => h.status)).toEqual(["REGISTERED"]);
      expect(hist[0]).toMatchObject({ seq: 1, ownerId: null });
    });

    test("attempts count the executions started: 1 on the first, +1 per retry or recovery", async () => {
      const [a] = await registered();
      const id = a!.id;
      expect((await c.orchestrator.getStatuses([id])).get(id)?.attempts).toBe(0);
      const [p1] = await c.orchestrator.transition([{ id, to: "PENDING", runnerId: "r1" }]);
      expect(ok(p1).attempts).toBe(0);
      const [r1] = await c.orchestrator.transition([{ id, to: "RUNNING", runnerId: "r1", token: ok(p1).token }]);
      expect(ok(r1).attempts).toBe(1);
      const [retry] = await c.orchestrator.transition([
        { id, to: "RETRY", runnerId: "r1", token: ok(r1).token, countRetry: true },
      ]);
      expect(ok(retry).attempts).toBe(1);
      const token2 = await run(id, "r2");
      expect((await c.orchestrator.getStatuses([id])).get(id)?.attempts).toBe(2);
      // Recovery: taken from r2, rerouted, started again by r3.
      await c.orchestrator.transition([{ id, to: "RUNNING_RECOVERY", runnerId: "rec" }]);
      await c.orchestrator.transition([{ id, to: "REROUTED", runnerId: "rec" }]);
      expect(token2).toBeGreaterThan(0);
      await run(id, "r3");
      expect((await c.orchestrator.getStatuses([id])).get(id)?.attempts).toBe(3);
    });

    test("expectToken: a recovery that read an older token cannot take work acquired since", async () => {
      const [a] = await registered();
      const id = a!.id;
      const first = await run(id, "r1");
      // A recoverer reads RUNNING with r1's token, then is frozen; meanwhile the work is
      // recovered by another and re-claimed by r2.
      const read = (await c.orchestrator.getStatuses([id])).get(id)!;
      expect(read.token).toBe(first);
      await c.orchestrator.transition([{ id, to: "RUNNING_RECOVERY", runnerId: "rec2", expectFrom: ["RUNNING"] }]);
      await c.orchestrator.transition([{ id, to: "REROUTED", runnerId: "rec2" }]);
      const second = await run(id, "r2");
      const [stale] = await c.orchestrator.transition([
        { id, to: "RUNNING_RECOVERY", runnerId: "rec1", expectFrom: ["RUNNING"], expectToken: read.token },
      ]);
      expect(stale).toMatchObject({ ok: false, reason: "stale-token", current: "RUNNING" });
      expect((await c.orchestrator.getStatuses([id])).get(id)).toMatchObject({ ownerId: "r2", token: second });
      const [fresh] = await c.orchestrator.transition([
        { id, to: "RUNNING_RECOVERY", runnerId: "rec1", expectFrom: ["RUNNING"], expectToken: second },
      ]);
      expect(fresh?.ok).toBe(true);
    });

    test("getStatuses leaves unknown ids out", async () => {
      const [a] = await registered();
      const m = await c.orchestrator.getStatuses([a!.id, "missing"]);
      expect([...m.keys()]).toEqual([a!.id]);
    });

    test("getSettled: each record, final ones with their outcome; unknown ids left out", async () => {
      const [a, b, d] = await registered(3);
      const done = async (id: string, to: "SUCCESS" | "FAILED", outcome: Outcome) =>
        ok((await c.orchestrator.transition([{ id, to, runnerId: "r1", token: await run(id, "r1"), outcome }]))[0]);
      await done(a!.id, "SUCCESS", { kind: "result", value: "[7]" });
      const error = { name: "Error", message: "boom" };
      await done(b!.id, "FAILED", { kind: "error", error });
      const m = await c.orchestrator.getSettled([a!.id, b!.id, d!.id, "missing"]);
      expect([...m.keys()].sort()).toEqual([a!.id, b!.id, d!.id].sort());
      expect(m.get(a!.id)).toMatchObject({ record: { status: "SUCCESS" }, outcome: { kind: "result", value: "[7]" } });
      expect(m.get(b!.id)).toMatchObject({ record: { status: "FAILED" }, outcome: { kind: "error", error } });
      expect(m.get(d!.id)?.record.status).toBe("REGISTERED");
      expect(m.get(d!.id)?.outcome).toBeUndefined();
      expect(m.get(a!.id)?.record).toEqual((await c.orchestrator.getStatuses([a!.id])).get(a!.id));
    });

    test("onSettled: final statuses announced with small outcomes, as written; null where the engine does not", async () => {
      const heard: Settlement[] = [];
      const stop = c.orchestrator.onSettled((s) => heard.push(s));
      if (stop === null) {
        // Memory and SQLite waiters read final outcomes (getSettled) instead.
        expect(opts.name === "memory" || opts.name === "sqlite").toBe(true);
        return;
      }
      try {
        const end = async (id: string, to: "SUCCESS" | "FAILED", outcome: Outcome) =>
          ok((await c.orchestrator.transition([{ id, to, runnerId: "r1", token: await run(id, "r1"), outcome }]))[0]);
        // A subscription becomes active asynchronously (its SUBSCRIBE or LISTEN is in flight):
        // settle warm-up invocations until one is heard.
        await expect
          .poll(
            async () => {
              const [w] = await registered();
              await end(w!.id, "SUCCESS", { kind: "result", value: "0" });
              return heard.length;
            },
            { timeout: 5000, interval: 20 },
          )
          .toBeGreaterThan(0);
        const [small, big, failed] = await registered(3);
        const mine = () => heard.filter((s) => [small!.id, big!.id, failed!.id].includes(s.id));
        await end(small!.id, "SUCCESS", { kind: "result", value: '{"a":"x\\ty"}' });
        await end(big!.id, "SUCCESS", { kind: "result", value: JSON.stringify("x".repeat(5000)) });
        const error = { name: "Error", message: "boom" };
        await end(failed!.id, "FAILED", { kind: "error", error });
        await expect.poll(() => mine().length, { timeout: 5000 }).toBe(2);
        expect(mine()).toEqual([
          { id: small!.id, status: "SUCCESS", outcome: { kind: "result", value: '{"a":"x\\ty"}' } },
          { id: failed!.id, status: "FAILED", outcome: { kind: "error", error } },
        ]);
      } finally {
        stop();
      }
    });

    test("onSettled: a batch of completions is announced whole, in messages of bounded size", async () => {
      const heard: Settlement[] = [];
      const stop = c.orchestrator.onSettled((s) => heard.push(s));
      if (stop === null) return; // memory and SQLite: see the case above
      try {
        const finish = async (n: number, value: string) => {
          const invs = await registered(n);
          const tokens = await Promise.all(invs.map((i) => run(i.id, "r1")));
          const results = await c.orchestrator.transition(
            invs.map((i, k) => ({
              id: i.id,
              to: "SUCCESS" as const,
              runnerId: "r1",
              token: tokens[k],
              outcome: { kind: "result" as const, value },
            })),
          );
          for (const r of results) ok(r);
          return invs.map((i) => i.id);
        };
        await expect
          .poll(async () => (await finish(1, "0")) && heard.length, { timeout: 5000, interval: 20 })
          .toBeGreaterThan(0);
        // 60 outcomes of ~3 KB: far more than one PostgreSQL NOTIFY payload (8000 bytes) holds.
        const value = JSON.stringify("v".repeat(3000));
        const ids = await finish(60, value);
        const mine = () => heard.filter((s) => ids.includes(s.id));
        await expect.poll(() => mine().length, { timeout: 5000 }).toBe(60);
        expect(new Set(mine().map((s) => s.id)).size).toBe(60);
        for (const s of mine()) expect(s).toMatchObject({ status: "SUCCESS", outcome: { kind: "result", value } });
      } finally {
        stop();
      }
    });

    test("a transition not in the table is refused and writes no history", async () => {
      const [a] = await registered();
      const [r] = await c.orchestrator.transition([{ id: a!.id, to: "SUCCESS", runnerId: "r1" }]);
      expect(r).toMatchObject({ ok: false, reason: "invalid-transition", current: "REGISTERED" });
      expect(await c.orchestrator.history(a!.id)).toHaveLength(1);
    });

    test("an unknown invocation is not-found", async () => {
      const [r] = await c.orchestrator.transition([{ id: "nope", to: "PENDING", runnerId: "r1" }]);
      expect(r).toMatchObject({ ok: false, reason: "not-found", current: null });
    });

    test("PENDING makes the claimer owner with a new fencing token", async () => {
      const [a] = await registered();
      const [p] = await c.orchestrator.transition([{ id: a!.id, to: "PENDING", runnerId: "r1" }]);
      expect(p).toMatchObject({ ok: true, from: "REGISTERED", to: "PENDING", ownerId: "r1", token: 1 });
      const rec = (await c.orchestrator.getStatuses([a!.id])).get(a!.id);
      expect(rec).toMatchObject({ status: "PENDING", ownerId: "r1", token: 1 });
    });

    test("only the owner, with its current token, leaves an owned status", async () => {
      const [a] = await registered();
      const token = await run(a!.id, "r1");
      const [other] = await c.orchestrator.transition([{ id: a!.id, to: "SUCCESS", runnerId: "r2", token }]);
      expect(other).toMatchObject({ ok: false, reason: "not-owner" });
      const [stale] = await c.orchestrator.transition([{ id: a!.id, to: "SUCCESS", runnerId: "r1", token: token - 1 }]);
      expect(stale).toMatchObject({ ok: false, reason: "stale-token" });
      const [none] = await c.orchestrator.transition([{ id: a!.id, to: "SUCCESS", runnerId: "r1" }]);
      expect(none).toMatchObject({ ok: false, reason: "stale-token" });
      const [good] = await c.orchestrator.transition([
        { id: a!.id, to: "SUCCESS", runnerId: "r1", token, outcome: { kind: "result", value: '"done"' } },
      ]);
      expect(good).toMatchObject({ ok: true, to: "SUCCESS", ownerId: null });
    });

    test("recovery overrides a dead owner; the old owner's late result is refused", async () => {
      const [a] = await registered();
      const oldToken = await run(a!.id, "zombie");
      const [rec] = await c.orchestrator.transition([
        { id: a!.id, to: "RUNNING_RECOVERY", runnerId: "recoverer", note: "dead" },
      ]);
      expect(ok(rec).token).toBeGreaterThan(oldToken);
      ok((await c.orchestrator.transition([{ id: a!.id, to: "REROUTED", runnerId: "recoverer" }]))[0]);
      const newToken = await run(a!.id, "healthy");
      expect(newToken).toBeGreaterThan(oldToken + 1);
      const [late] = await c.orchestrator.transition([
        {
          id: a!.id,
          to: "SUCCESS",
          runnerId: "zombie",
          token: oldToken,
          outcome: { kind: "result", value: '"zombie"' },
        },
      ]);
      expect(late?.ok).toBe(false);
      expect(await c.orchestrator.getOutcome(a!.id)).toBeNull();
      ok(
        (
          await c.orchestrator.transition([
            {
              id: a!.id,
              to: "SUCCESS",
              runnerId: "healthy",
              token: newToken,
              outcome: { kind: "result", value: '"new"' },
            },
          ])
        )[0],
      );
      expect(await c.orchestrator.getOutcome(a!.id)).toEqual({ kind: "result", value: '"new"' });
      const hist = await c.orchestrator.history(a!.id);
      expect(hist.map((h) => h.status)).toEqual([
        "REGISTERED",
        "PENDING",
        "RUNNING",
        "RUNNING_RECOVERY",
        "REROUTED",
        "PENDING",
        "RUNNING",
        "SUCCESS",
      ]);
      expect(hist.map((h) => h.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(hist[3]).toMatchObject({ actorId: "recoverer", ownerId: "recoverer", note: "dead" });
      expect(hist[7]).toMatchObject({ actorId: "healthy", ownerId: null, token: newToken });
    });

    test("expectFrom makes a transition a compare-and-set", async () => {
      const [a] = await registered();
      const [r] = await c.orchestrator.transition([
        { id: a!.id, to: "PENDING", runnerId: "r1", expectFrom: ["REROUTED"] },
      ]);
      expect(r).toMatchObject({ ok: false, reason: "status-changed", current: "REGISTERED" });
    });

    test("concurrent claims of one invocation: exactly one wins", async () => {
      const [a] = await registered();
      const others = await Promise.all([open(), open(), open()]);
      const results = await Promise.all(
        [c, ...others].map((comps, i) =>
          comps.orchestrator.transition([{ id: a!.id, to: "PENDING", runnerId: `r${i}`, expectFrom: ["REGISTERED"] }]),
        ),
      );
      expect(results.flat().filter((r) => r.ok)).toHaveLength(1);
      expect(await c.orchestrator.history(a!.id)).toHaveLength(2);
    });

    test("a batch applies in order within one call", async () => {
      const [a, b] = await registered(2);
      const res = await c.orchestrator.transition([
        { id: a!.id, to: "PENDING", runnerId: "r1" },
        { id: b!.id, to: "PENDING", runnerId: "r1" },
        { id: a!.id, to: "RUNNING", runnerId: "r1", token: 1 },
      ]);
      expect(res.map((r) => r.ok)).toEqual([true, true, true]);
      expect((await c.orchestrator.getStatuses([a!.id])).get(a!.id)?.status).toBe("RUNNING");
    });

    test("andThen: claim and start in one step, a history row each; a refused claim starts nothing", async () => {
      const [a, b, d] = await registered(3);
      const res = await c.orchestrator.transition([
        { id: a!.id, to: "PENDING", andThen: "RUNNING", runnerId: "r1", expectFrom: ["REGISTERED"] },
        { id: b!.id, to: "PENDING", andThen: "RUNNING", runnerId: "r1", expectFrom: ["REROUTED"] },
        { id: d!.id, to: "PENDING", andThen: "RUNNING", runnerId: "r1" },
        { id: a!.id, to: "SUCCESS", runnerId: "r1", token: 1, outcome: { kind: "result", value: "[7]" } },
      ]);
      expect(res[0]).toMatchObject({
        ok: true,
        from: "REGISTERED",
        to: "RUNNING",
        token: 1,
        ownerId: "r1",
        attempts: 1,
      });
      expect(res[1]).toMatchObject({ ok: false, reason: "status-changed", current: "REGISTERED" });
      expect(res[2]).toMatchObject({ ok: true, to: "RUNNING", token: 1 });
      expect(res[3]).toMatchObject({ ok: true, from: "RUNNING", to: "SUCCESS" });
      expect((await c.orchestrator.history(a!.id)).map((h) => [h.status, h.ownerId, h.token, h.actorId])).toEqual([
        ["REGISTERED", null, 0, null],
        ["PENDING", "r1", 1, "r1"],
        ["RUNNING", "r1", 1, "r1"],
        ["SUCCESS", null, 1, "r1"],
      ]);
      expect(await c.orchestrator.getOutcome(a!.id)).toEqual({ kind: "result", value: "[7]" });
      expect(await c.orchestrator.history(b!.id)).toHaveLength(1);
      // A running invocation asked to claim again: refused, nothing written.
      const [again] = await c.orchestrator.transition([
        { id: d!.id, to: "PENDING", andThen: "RUNNING", runnerId: "r2" },
      ]);
      expect(again).toMatchObject({ ok: false, current: "RUNNING" });
      expect(await c.orchestrator.history(d!.id)).toHaveLength(3);
    });

    test("registrar: data, REGISTERED status and route in one step; recorded ids are not routed again", async () => {
      const registrar = c.registrar;
      if (!registrar) {
        // Engines without one register with the three components' own writes (tested above).
        expect(opts.name === "memory" || opts.name === "sqlite").toBe(true);
        return;
      }
      const list = [inv(), inv({ parentId: "p", queue: "q2", priority: 3 })];
      const routes = list.map((i) => ({ id: i.id, queue: i.queue ?? "default", priority: i.priority ?? 0 }));
      await registrar.registerAndRoute(list, routes);
      await registrar.registerAndRoute(list, routes);
      const statuses = await c.orchestrator.getStatuses(list.map((i) => i.id));
      expect([...statuses.values()].map((r) => r.status)).toEqual(["REGISTERED", "REGISTERED"]);
      expect(await c.orchestrator.history(list[1]!.id)).toHaveLength(1);
      expect((await c.stateBackend.getInvocations([list[1]!.id])).get(list[1]!.id)).toMatchObject({
        parentId: "p",
        queue: "q2",
        priority: 3,
      });
      expect(await c.broker.claim(10, ["default"])).toEqual([list[0]!.id]);
      expect(await c.broker.claim(10, ["q2"])).toEqual([list[1]!.id]);
      expect(await c.broker.claim(10)).toEqual([]);
    });

    test("claimer: claim, PENDING then RUNNING and the data read in one step, by priority; refusals and diversions as in transition", async () => {
      const claimer = c.claimer;
      if (!claimer) {
        // Engines without one claim with the broker, then transition (tested above).
        expect(opts.name === "memory" || opts.name === "sqlite").toBe(true);
        return;
      }
      const [low, high, other] = await registered(3);
      const [taken] = await registered(1);
      const [blocked, holder] = await registered(2, {
        concurrency: { registrationScope: null, runningScope: "rs:claimer", runningLimit: 1, rerouteWhenBlocked: true },
      });
      await c.broker.route([
        { id: low!.id },
        { id: high!.id, priority: 5 },
        { id: other!.id, queue: "q2" },
        { id: taken!.id, priority: 1 },
      ]);
      await run(taken!.id, "r9"); // queued, but already running elsewhere
      expect(await claimer.claimAndStart(0, [], "r1", CLAIMABLE_STATUSES)).toEqual({
        ids: [],
        results: [],
        data: new Map(),
      });

      const first = await claimer.claimAndStart(2, ["default"], "r1", CLAIMABLE_STATUSES);
      expect(first.ids).toEqual([high!.id, taken!.id]);
      expect(first.results?.[0]).toMatchObject({
        ok: true,
        id: high!.id,
        from: "REGISTERED",
        to: "RUNNING",
        token: 1,
        ownerId: "r1",
        attempts: 1,
      });
      expect(first.results?.[1]).toMatchObject({
        ok: false,
        id: taken!.id,
        reason: "status-changed",
        current: "RUNNING",
      });
      expect([...first.data.keys()]).toEqual([high!.id]);
      expect(first.data.get(high!.id)).toMatchObject({ id: high!.id, taskId: "t", args: "[1]" });
      expect((await c.orchestrator.history(high!.id)).map((h) => [h.status, h.ownerId, h.token])).toEqual([
        ["REGISTERED", null, 0],
        ["PENDING", "r1", 1],
        ["RUNNING", "r1", 1],
      ]);
      expect((await c.orchestrator.history(taken!.id)).map((h) => h.ownerId)).toEqual([null, "r9", "r9"]);

      // Running concurrency: the second claim of a full scope is diverted in the same step.
      await c.broker.route([{ id: holder!.id }, { id: blocked!.id }]);
      const second = await claimer.claimAndStart(5, ["default"], "r2", CLAIMABLE_STATUSES);
      expect(second.ids).toEqual([low!.id, holder!.id, blocked!.id]);
      expect(second.results?.map((r) => (r.ok ? r.to : r.reason))).toEqual([
        "RUNNING",
        "RUNNING",
        "CONCURRENCY_CONTROLLED",
      ]);
      expect([...second.data.keys()].sort()).toEqual([low!.id, holder!.id].sort());
      // Each id is delivered once; other queues are left alone.
      expect((await claimer.claimAndStart(5, ["default"], "r2", CLAIMABLE_STATUSES)).ids).toEqual([]);
      expect((await claimer.claimAndStart(5, [], "r3", CLAIMABLE_STATUSES)).ids).toEqual([other!.id]);
    });

    test("errors and retries are stored with their transition", async () => {
      const [a] = await registered();
      let token = await run(a!.id, "r1");
      const retry = ok(
        (await c.orchestrator.transition([{ id: a!.id, to: "RETRY", runnerId: "r1", token, countRetry: true }]))[0],
      );
      expect(retry.retries).toBe(1);
      token = await run(a!.id, "r1");
      const error = {
        name: "TypeError",
        message: "boom",
        stack: "TypeError: boom\n  at x",
        code: undefined,
        cause: { name: "Error", message: "root" },
      };
      ok(
        (
          await c.orchestrator.transition([
            { id: a!.id, to: "FAILED", runnerId: "r1", token, outcome: { kind: "error", error } },
          ])
        )[0],
      );
      const out = await c.orchestrator.getOutcome(a!.id);
      expect(out?.kind).toBe("error");
      if (out?.kind === "error")
        expect(out.error).toMatchObject({ name: "TypeError", message: "boom", cause: { message: "root" } });
      const rec = (await c.orchestrator.getStatuses([a!.id])).get(a!.id);
      expect(rec).toMatchObject({ status: "FAILED", retries: 1, ownerId: null });
    });

    test("final statuses accept nothing", async () => {
      const [a] = await registered();
      const token = await run(a!.id, "r1");
      ok(
        (
          await c.orchestrator.transition([
            { id: a!.id, to: "SUCCESS", runnerId: "r1", token, outcome: { kind: "result", value: "1" } },
          ])
        )[0],
      );
      const [again] = await c.orchestrator.transition([{ id: a!.id, to: "RUNNING_RECOVERY", runnerId: "x" }]);
      expect(again).toMatchObject({ ok: false, reason: "invalid-transition", current: "SUCCESS" });
    });

    test("heartbeats, dead runners and stopped runners", async () => {
      const base = { kind: "AsyncRunner", host: "h", pid: 1, threadId: 0, parentId: null, startedAt: Date.now() };
      await c.orchestrator.registerRunner({ ...base, id: "alive" });
      await c.orchestrator.registerRunner({ ...base, id: "quiet", parentId: "alive" });
      await c.orchestrator.registerRunner({ ...base, id: "stopped" });
      await c.orchestrator.markRunnersStopped(["stopped"]);
      // Quiet for 1.5 s against a 1 s window: the beat just written stays well inside it on a loaded machine.
      await new Promise((r) => setTimeout(r, 1500));
      await c.orchestrator.heartbeat(["alive"]);
      const dead = await c.orchestrator.deadRunners(1000);
      expect(dead).toEqual(["quiet"]);
      const runners = await c.orchestrator.runners();
      const quiet = runners.find((r) => r.id === "quiet");
      expect(quiet).toMatchObject({
        kind: "AsyncRunner",
        host: "h",
        pid: 1,
        parentId: "alive",
        stoppedAt: null,
        stoppingUntil: null,
      });
      expect(runners.find((r) => r.id === "stopped")?.stoppedAt).toEqual(expect.any(Number));
      expect(runners.find((r) => r.id === "alive")?.lastHeartbeat).toBeGreaterThan(quiet?.lastHeartbeat ?? 0);
    });

    test("a draining runner is stopping until its deadline, keeps beating, and is not dead", async () => {
      const base = { kind: "AsyncRunner", host: "h", pid: 1, threadId: 0, parentId: null, startedAt: Date.now() };
      await c.orchestrator.registerRunner({ ...base, id: "draining" });
      await c.orchestrator.registerRunner({ ...base, id: "worker", parentId: "draining" });
      await c.orchestrator.registerRunner({ ...base, id: "other" });
      expect((await c.orchestrator.runners()).map((r) => r.stoppingUntil)).toEqual([null, null, null]);
      const before = Date.now();
      await c.orchestrator.markRunnersStopping(["draining", "worker"], 30_000);
      await c.orchestrator.markRunnersStopping([], 30_000);
      const after = Date.now();
      const byId = new Map((await c.orchestrator.runners()).map((r) => [r.id, r]));
      for (const id of ["draining", "worker"]) {
        const r = byId.get(id);
        expect(r?.stoppedAt).toBeNull();
        // Stamped by the backend's clock: allow a little skew against this process's.
        expect(r?.stoppingUntil).toBeGreaterThanOrEqual(before + 30_000 - 2000);
        expect(r?.stoppingUntil).toBeLessThanOrEqual(after + 30_000 + 2000);
      }
      expect(byId.get("other")?.stoppingUntil).toBeNull();
      // Still beating while it drains: not dead. Once stopped: stopped, never dead.
      await new Promise((r) => setTimeout(r, 1500));
      await c.orchestrator.heartbeat(["draining", "worker"]);
      expect(await c.orchestrator.deadRunners(1000)).toEqual(["other"]);
      await c.orchestrator.markRunnersStopped(["draining", "worker"]);
      const stopped = (await c.orchestrator.runners()).find((r) => r.id === "draining");
      expect(stopped?.stoppedAt).toEqual(expect.any(Number));
      expect(stopped?.stoppingUntil).toEqual(expect.any(Number));
      // Registered again (same id): neither stopped nor stopping.
      await c.orchestrator.registerRunner({ ...base, id: "draining" });
      const again = (await c.orchestrator.runners()).find((r) => r.id === "draining");
      expect(again).toMatchObject({ stoppedAt: null, stoppingUntil: null });
    });

    test("a runner declared dead keeps how until its next heartbeat clears it", async () => {
      const base = { kind: "AsyncRunner", host: "h", pid: 1, threadId: 0, parentId: null, startedAt: Date.now() };
      await c.orchestrator.registerRunner({ ...base, id: "gone" });
      await c.orchestrator.registerRunner({ ...base, id: "fine" });
      expect((await c.orchestrator.runners()).map((r) => r.deadNote)).toEqual([null, null]);
      await c.orchestrator.markRunnersDead(["gone"], "process gone");
      await c.orchestrator.markRunnersDead([], "session closed");
      const byId = new Map((await c.orchestrator.runners()).map((r) => [r.id, r]));
      expect(byId.get("gone")?.deadNote).toBe("process gone");
      expect(byId.get("fine")?.deadNote).toBeNull();
      // A runner wrongly declared dead (its connection dropped, its process lives) rejoins by beating.
      await c.orchestrator.heartbeat(["gone"]);
      expect((await c.orchestrator.runners()).find((r) => r.id === "gone")?.deadNote).toBeNull();
    });

    test("a runner's session is open while it holds it and closed once released", async () => {
      const ctx = {
        kind: "AsyncRunner",
        host: "elsewhere",
        pid: 1,
        threadId: 0,
        parentId: null,
        startedAt: Date.now(),
      };
      await c.orchestrator.registerRunner({ ...ctx, id: "holder" });
      await c.orchestrator.registerRunner({ ...ctx, id: "never" });
      await c.orchestrator.registerRunner({ ...ctx, id: "worker", parentId: "holder" });
      const hold = await c.orchestrator.holdLiveness({ ...ctx, id: "holder" });
      const records = async () => (await c.orchestrator.runners()).filter((r) => r.id !== "x");
      // Workers live and die with their top-level runner: only top-level runners are judged.
      expect((await c.orchestrator.closedSessions(await records())).sort()).toEqual(["never"]);
      await hold.release();
      const deadline = Date.now() + 10_000;
      let closed: string[] = [];
      while (Date.now() < deadline) {
        closed = (await c.orchestrator.closedSessions(await records())).sort();
        if (closed.includes("holder")) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(closed).toEqual(["holder", "never"]);
    });

    test("find by owner, status, age and page", async () => {
      const list = await registered(4);
      await run(list[0]!.id, "r1");
      await run(list[1]!.id, "r1");
      await run(list[2]!.id, "r2");
      const mine = await c.orchestrator.find({ ownerId: "r1", statuses: ["RUNNING"] });
      expect(mine.map((r) => r.id).sort()).toEqual([list[0]!.id, list[1]!.id].sort());
      expect(await c.orchestrator.find({ statuses: ["REGISTERED"] })).toHaveLength(1);
      expect(await c.orchestrator.find({ updatedBefore: 0 })).toHaveLength(0);
      expect(await c.orchestrator.find({ statuses: ["RUNNING"], updatedAfter: 0 })).toHaveLength(3);
      expect(await c.orchestrator.find({ updatedAfter: Date.now() + 60_000 })).toHaveLength(0);
      const page = await c.orchestrator.find({ limit: 2, offset: 1, order: "desc" });
      expect(page).toHaveLength(2);
      const counts = await c.orchestrator.countByStatus();
      expect(counts.find((x) => x.status === "RUNNING")?.count).toBe(3);
      const hist = await c.orchestrator.historyBetween(0, Date.now() + 1000, 100);
      expect(hist.length).toBe(4 + 3 * 2);
      expect(hist.map((h) => h.at)).toEqual([...hist.map((h) => h.at)].sort((x, y) => x - y));
    });

    test("a lease has one holder at a time and expires", async () => {
      // Leases long enough that a loaded machine's delays between calls stay well inside them.
      expect(await c.orchestrator.acquireLease("recovery", "a", 5000)).toBe(true);
      expect(await c.orchestrator.acquireLease("recovery", "b", 5000)).toBe(false);
      expect(await c.orchestrator.acquireLease("recovery", "a", 5000)).toBe(true);
      await c.orchestrator.releaseLease("recovery", "a");
      expect(await c.orchestrator.acquireLease("recovery", "b", 300)).toBe(true);
      await new Promise((r) => setTimeout(r, 600));
      expect(await c.orchestrator.acquireLease("recovery", "a", 300)).toBe(true);
    });

    test("trigger state: compare-and-set on its version; the backend's clock", async () => {
      const o = c.orchestrator;
      expect(await o.getTriggerStates(["cron:a", "cron:b"])).toEqual(new Map());
      expect(await o.setTriggerState("cron:a", "1", 0)).toBe(true);
      expect(await o.setTriggerState("cron:a", "x", 0)).toBe(false); // exists already
      expect(await o.setTriggerState("cron:a", "2", 1)).toBe(true);
      expect(await o.setTriggerState("cron:a", "y", 1)).toBe(false); // stale version
      // Two writers racing on one version: exactly one wins.
      const race = await Promise.all([o.setTriggerState("cron:a", "p", 2), o.setTriggerState("cron:a", "q", 2)]);
      expect(race.filter(Boolean)).toHaveLength(1);
      const got = await o.getTriggerStates(["cron:a", "cron:b"]);
      expect(got.get("cron:a")).toEqual({ value: race[0] ? "p" : "q", version: 3 });
      expect(got.has("cron:b")).toBe(false);
      const before = Date.now();
      const now = await o.backendNow();
      expect(Math.abs(now - before)).toBeLessThan(60_000); // same machine: close to this clock
      // Purge clears it with everything else of the app.
      await o.purge();
      expect(await o.getTriggerStates(["cron:a"])).toEqual(new Map());
    });

    test("workflow steps: recorded once, only under the current token; data with its step", async () => {
      const [w] = await registered();
      const id = w!.id;
      const step = (stepNo: number, value: string) => ({
        invocationId: id,
        stepNo,
        kind: "step",
        name: "s",
        value,
        at: 1,
      });
      // Not executing yet: nothing can be recorded.
      expect(await c.orchestrator.recordStep(step(1, "1"), 0)).toEqual({ outcome: "fenced", step: null });
      const token = await run(id, "r1");
      expect(await c.orchestrator.recordStep(step(1, '"a"'), token)).toMatchObject({ outcome: "recorded" });
      // A replay asking for step 1 again gets the stored value, not its own.
      expect(await c.orchestrator.recordStep(step(1, '"b"'), token)).toEqual({
        outcome: "exists",
        step: step(1, '"a"'),
      });
      const data = { workflowId: w!.workflowId, key: "stage", value: '"charged"' };
      expect(
        await c.orchestrator.recordStep({ ...step(2, '"charged"'), kind: "set", name: "stage" }, token, data),
      ).toMatchObject({
        outcome: "recorded",
      });
      expect(await c.orchestrator.workflowData(w!.workflowId)).toEqual(new Map([["stage", '"charged"']]));
      // Recovery takes it (new token): the old holder's next step is refused, nothing written.
      const [rec] = await c.orchestrator.transition([{ id, to: "RUNNING_RECOVERY", runnerId: "recoverer" }]);
      expect(ok(rec).token).toBeGreaterThan(token);
      expect(await c.orchestrator.recordStep(step(3, "3"), token, { ...data, value: '"late"' })).toEqual({
        outcome: "fenced",
        step: null,
      });
      expect((await c.orchestrator.workflowSteps(id)).map((s) => [s.stepNo, s.kind, s.value])).toEqual([
        [1, "step", '"a"'],
        [2, "set", '"charged"'],
      ]);
      expect(await c.orchestrator.workflowData(w!.workflowId)).toEqual(new Map([["stage", '"charged"']]));
      expect(await c.orchestrator.workflowSteps("unknown")).toEqual([]);
      // Retention deletes a workflow's steps with it, and its data with its root.
      await c.orchestrator.transition([
        { id, to: "CANCELLING", runnerId: "x" },
        { id, to: "FAILED", runnerId: "x", outcome: { kind: "error", error: { name: "E", message: "m" } } },
      ]);
      expect(await c.orchestrator.deleteFinalBefore(Date.now() + 60_000, 10)).toEqual([id]);
      expect(await c.orchestrator.workflowSteps(id)).toEqual([]);
      expect(await c.orchestrator.workflowData(w!.workflowId)).toEqual(new Map());
    });

    test("a triggered invocation keeps its origin", async () => {
      const origin = { trigger: "ship#0", eventId: "e-1", event: "order.paid" };
      const [a] = await registered(1, { origin });
      expect((await c.stateBackend.getInvocations([a!.id])).get(a!.id)?.origin).toEqual(origin);
      const [b] = await registered();
      expect((await c.stateBackend.getInvocations([b!.id])).get(b!.id)?.origin ?? null).toBeNull();
    });

    test("broker delivers each id once, by priority then order, not before availableAt", async () => {
      await c.broker.route([
        { id: "a" },
        { id: "b" },
        { id: "late", availableAt: Date.now() + 60_000 },
        { id: "urgent", priority: 5 },
      ]);
      expect(await c.broker.depth()).toBe(4);
      expect(await c.broker.queued(["a", "late", "zzz"])).toEqual(new Set(["a", "late"]));
      expect(await c.broker.claim(2)).toEqual(["urgent", "a"]);
      expect(await c.broker.claim(10)).toEqual(["b"]);
      expect(await c.broker.claim(10)).toEqual([]);
      expect(await c.broker.depth()).toBe(1);
    });

    test("concurrent claimers never get the same id", async () => {
      const ids = Array.from({ length: 200 }, (_, i) => `m${i}`);
      await c.broker.route(ids.map((id) => ({ id })));
      const others = await Promise.all([open(), open(), open()]);
      const brokers = [c, ...others].map((x) => x.broker);
      const got: string[] = [];
      await Promise.all(
        brokers.map(async (b) => {
          for (;;) {
            const batch = await b.claim(7);
            if (batch.length === 0) return;
            got.push(...batch);
          }
        }),
      );
      expect(got.sort()).toEqual([...ids].sort());
    });

    // Wake-ups may be spurious (any write can wake a waiter); what matters is that a waiter
    // sees the new work well before its timeout.
    test("waitForWork wakes when work is routed", async () => {
      const started = Date.now();
      const routed = new Promise<void>((resolve) =>
        setTimeout(() => void c.broker.route([{ id: "x" }]).then(resolve), 50),
      );
      while ((await c.broker.depth()) === 0 && Date.now() - started < 4000) await c.broker.waitForWork(5000);
      await routed;
      expect(Date.now() - started).toBeLessThan(4000);
    });

    test("waitForChange wakes on a transition", async () => {
      const [a] = await registered();
      const started = Date.now();
      const moved = new Promise<void>((resolve) =>
        setTimeout(
          () => void c.orchestrator.transition([{ id: a!.id, to: "PENDING", runnerId: "r" }]).then(() => resolve()),
          50,
        ),
      );
      const status = async () => (await c.orchestrator.getStatuses([a!.id])).get(a!.id)?.status;
      while ((await status()) === "REGISTERED" && Date.now() - started < 4000)
        await c.orchestrator.waitForChange([a!.id], 5000);
      await moved;
      expect(Date.now() - started).toBeLessThan(4000);
    });

    test("a wait after a claim that found the queues empty wakes for new work, for a due delayed id, and at once after a route since", async () => {
      const { claim, empty } = await claimWhenHeard(c);
      expect(empty.ids).toEqual([]);
      expect(empty.next?.inMs).toBe(-1);
      const waited = await wokenByRoute(c, empty.next);
      expect(waited).toBeGreaterThanOrEqual(150);
      expect(waited).toBeLessThan(5000);
      expect((await claim()).ids).toEqual(["x"]);
      // A delayed id: the claim says when it is due, and the wait ends then.
      await c.broker.route([{ id: "later", availableAt: Date.now() + 300 }]);
      const early = await claim();
      expect(early.ids).toEqual([]);
      expect(early.next?.inMs).toBeGreaterThan(0);
      expect(early.next?.inMs).toBeLessThanOrEqual(300);
      // Wake-ups may be spurious (the route's own wake-up can arrive after the claim): a runner
      // claims and waits again, as here, and has the id once it is due, well before the timeout.
      const at = Date.now();
      let again: Pick<ClaimedStart, "ids" | "next"> = { ids: [], next: early.next };
      while (again.ids.length === 0 && Date.now() - at < 5000) {
        await c.broker.waitForWork(10_000, ["default"], again.next);
        again = await claim();
      }
      expect(Date.now() - at).toBeLessThan(5000);
      expect(again.ids).toEqual(["later"]);
      // A route announced between the claim and the wait: the wait ends at once (it may be work).
      const stale = await claim();
      await c.broker.route([{ id: "y" }]);
      await new Promise((r) => setTimeout(r, 200)); // its wake-up heard
      const quick = Date.now();
      await c.broker.waitForWork(10_000, ["default"], stale.next);
      expect(Date.now() - quick).toBeLessThan(1000);
      expect((await claim()).ids).toEqual(["y"]);
    });

    const finish = (id: string, token: number) =>
      c.orchestrator.transition([{ id, to: "SUCCESS", runnerId: "r", token, outcome: { kind: "result", value: "1" } }]);

    test("waitForChange with finalOnly wakes when an invocation becomes final", async () => {
      const [a] = await registered();
      const token = await run(a!.id, "r");
      const started = Date.now();
      const finished = new Promise<void>((resolve) =>
        setTimeout(() => void finish(a!.id, token).then(() => resolve()), 50),
      );
      const status = async () => (await c.orchestrator.getStatuses([a!.id])).get(a!.id)?.status;
      // Wake-ups may be spurious (as for any wait): the final status must be seen well before the timeout.
      while ((await status()) === "RUNNING" && Date.now() - started < 4000)
        await c.orchestrator.waitForChange([], 5000, { finalOnly: true });
      await finished;
      expect(Date.now() - started).toBeLessThan(4000);
    });

    test("waitForChange with finalOnly is not woken by a claim or a start", async () => {
      const [a] = await registered();
      // The first wait of a process may end when its wake-up channel is first subscribed.
      await c.orchestrator.waitForChange([], 200, { finalOnly: true });
      let woken = false;
      const waiting = c.orchestrator.waitForChange([], 5000, { finalOnly: true }).then(() => {
        woken = true;
      });
      const token = await run(a!.id, "r");
      await new Promise((r) => setTimeout(r, 300));
      expect(woken).toBe(false);
      await finish(a!.id, token);
      await waiting;
    });

    test("heardFinal never vouches for an invocation that became final: it was told so, or says read", async () => {
      // Subscribed first where the engine announces (a process notes nothing before).
      await c.orchestrator.waitForChange([], 200, { finalOnly: true });
      const [a, b] = [inv(), inv()];
      c.orchestrator.noteFinals([a.id, b.id]);
      await c.stateBackend.saveInvocations([a, b]);
      await c.orchestrator.register([a, b]);
      const told = c.orchestrator.waitForChange([a.id], 5000, { finalOnly: true });
      await finish(a.id, await run(a.id, "r"));
      await told;
      const heard = c.orchestrator.heardFinal(a.id);
      expect(heard === null || (heard !== "pending" && heard.status === "SUCCESS")).toBe(true);
      // Still REGISTERED: pending, where the engine can vouch that nothing was missed.
      expect([null, "pending"]).toContain(c.orchestrator.heardFinal(b.id));
      // A note is given out once; an id never noted has nothing to go by.
      expect(c.orchestrator.heardFinal(a.id)).toBeNull();
      expect(c.orchestrator.heardFinal("never-noted")).toBeNull();
    });

    test("state backend stores invocation data and finds it by parent and workflow", async () => {
      const [root] = await registered();
      const kids = await registered(2, { parentId: root!.id, workflowId: root!.workflowId, taskId: "child" });
      const got = await c.stateBackend.getInvocations([root!.id, "missing"]);
      expect(got.get(root!.id)).toEqual({ ...root, queue: "default", priority: 0, runAt: null });
      expect(got.has("missing")).toBe(false);
      const children = await c.stateBackend.findInvocations({ parentId: root!.id });
      expect(children.map((k) => k.id).sort()).toEqual(kids.map((k) => k.id).sort());
      expect(await c.stateBackend.findInvocations({ workflowId: root!.workflowId })).toHaveLength(3);
      expect((await c.stateBackend.findInvocations({ rootsOnly: true })).map((i) => i.id)).toEqual([root!.id]);
      expect(await c.stateBackend.findInvocations({ taskId: "child", limit: 1 })).toHaveLength(1);
    });

    test("find by workflow: a root alone, then with its members, newest first, paged and bounded", async () => {
      const t0 = Date.now() - 10_000;
      const [root] = await registered(1, { createdAt: t0 });
      const byWf = (workflowId: string, f: Partial<InvocationDataFilter> = {}) =>
        c.stateBackend.findInvocations({ workflowId, ...f }).then((l) => l.map((i) => i.id));
      expect(await byWf(root!.id)).toEqual([root!.id]);
      expect(await byWf(root!.id, { createdBefore: t0 })).toEqual([]);
      expect(await byWf(root!.id, { createdAfter: t0 })).toEqual([root!.id]);
      expect(await byWf(root!.id, { offset: 1 })).toEqual([]);
      expect(await byWf(root!.id, { taskId: "other" })).toEqual([]);
      const [k1] = await registered(1, { parentId: root!.id, workflowId: root!.id, createdAt: t0 + 1, taskId: "c" });
      const [k2] = await registered(1, { parentId: k1!.id, workflowId: root!.id, createdAt: t0 + 2, taskId: "c" });
      expect(await byWf(root!.id)).toEqual([k2!.id, k1!.id, root!.id]);
      expect(await byWf(root!.id, { offset: 1, limit: 2 })).toEqual([k1!.id, root!.id]);
      expect(await byWf(root!.id, { createdAfter: t0 + 1 })).toEqual([k2!.id, k1!.id]);
      expect(await byWf(root!.id, { rootsOnly: true })).toEqual([root!.id]);
      // A member recorded before its root (another batch): the root still joins its workflow.
      const lateId = randomUUID();
      const [early] = await registered(1, { parentId: lateId, workflowId: lateId, createdAt: t0 + 5 });
      await registered(1, { id: lateId, workflowId: lateId, createdAt: t0 + 4 });
      expect(await byWf(lateId)).toEqual([early!.id, lateId]);
    });

    test("log lines are kept per invocation in order", async () => {
      const at = Date.now();
      await c.stateBackend.appendLogs([
        { invocationId: "i1", runnerId: "r", taskId: "t", level: "info", message: "one", at },
        { invocationId: "i2", runnerId: "r", taskId: "t", level: "info", message: "other", at },
        { invocationId: "i1", runnerId: "r", taskId: "t", level: "warn", message: "two", at: at + 1 },
      ]);
      expect((await c.stateBackend.logs("i1")).map((l) => l.message)).toEqual(["one", "two"]);
    });

    schedulingCases({ test, components: () => c, registered });
    retentionCases({ test, components: () => c, registered, run });
    valueStoreCases({ test, components: () => c });
    findCases({ test, components: () => c, registered, run });

    test("purge removes this app's data and only this app's", async () => {
      const [a] = await registered();
      await c.broker.route([{ id: a!.id }]);
      const otherId = `${appId}_other`;
      const other = await open(otherId);
      const keep = inv();
      await other.stateBackend.saveInvocations([keep]);
      await other.orchestrator.register([keep]);
      await other.broker.route([{ id: keep.id }]);
      await Promise.all([c.orchestrator.purge(), c.broker.purge(), c.stateBackend.purge()]);
      expect((await c.orchestrator.getStatuses([a!.id])).size).toBe(0);
      expect((await c.stateBackend.getInvocations([a!.id])).size).toBe(0);
      expect(await c.broker.depth()).toBe(0);
      expect((await other.orchestrator.getStatuses([keep.id])).size).toBe(1);
      expect(await other.broker.depth()).toBe(1);
    });
  });
}
