/**
 * Conformance cases for the query behind `app.findInvocations` (core/operations/find-invocations
 * over the StateBackend and Orchestrator contract); part of the one suite in backend.case.ts,
 * so every engine runs them.
 */
import { expect } from "vitest";
import type { Components, HistoryEntry, NewInvocation } from "../../src/core/contract/index.js";
import { checkFindQuery } from "../../src/core/find-query.js";
import { findInvocations } from "../../src/core/operations/find-invocations.js";

interface Ctx {
  test(name: string, fn: () => Promise<void>): void;
  components(): Components;
  registered(n?: number, over?: Partial<NewInvocation>): Promise<NewInvocation[]>;
  run(id: string, runner: string): Promise<number>;
}

export function findCases({ test, components, registered, run }: Ctx): void {
  test("a page of find over several statuses: by update time across them, from offset, at most limit", async () => {
    const c = components();
    const list = await registered(5);
    for (const [i, inv] of list.entries()) {
      if (i % 3 === 1) await c.orchestrator.transition([{ id: inv.id, to: "PENDING", runnerId: "r1" }]);
      if (i % 3 === 2) await run(inv.id, "r1");
      await new Promise((r) => setTimeout(r, 3));
    }
    const all = await c.orchestrator.find({ statuses: ["REGISTERED", "PENDING", "RUNNING"] });
    expect(all).toHaveLength(5);
    const sorted = [...all].sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : 1));
    expect(all.map((r) => r.id)).toEqual(sorted.map((r) => r.id));
    // Ties (the invocations still REGISTERED share their registration time) go by id; newest
    // first is the exact reverse.
    const desc = await c.orchestrator.find({ statuses: ["REGISTERED", "PENDING", "RUNNING"], order: "desc" });
    expect(desc.map((r) => r.id)).toEqual(sorted.map((r) => r.id).reverse());
    const page = await c.orchestrator.find({ statuses: ["REGISTERED", "PENDING", "RUNNING"], limit: 2, offset: 1 });
    expect(page.map((r) => r.id)).toEqual(sorted.slice(1, 3).map((r) => r.id));
    const newest = await c.orchestrator.find({ statuses: ["PENDING", "RUNNING"], limit: 1, order: "desc" });
    expect(newest.map((r) => r.id)).toEqual(
      sorted
        .filter((r) => r.status !== "REGISTERED")
        .slice(-1)
        .map((r) => r.id),
    );
  });

  test("a page of find by one status or by one task: from offset, at most limit, ties by id", async () => {
    const c = components();
    const list = await registered(7);
    const [first] = list;
    const byOne = async (filter: { statuses?: ["REGISTERED"]; taskId?: string }, order: "asc" | "desc") =>
      (await c.orchestrator.find({ ...filter, order })).filter((r) => list.some((l) => l.id === r.id));
    for (const filter of [{ statuses: ["REGISTERED"] as ["REGISTERED"] }, { taskId: first!.taskId }]) {
      const asc = await byOne(filter, "asc");
      expect(asc).toHaveLength(7);
      const sorted = [...asc].sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : 1));
      expect(asc.map((r) => r.id)).toEqual(sorted.map((r) => r.id));
      const ids = sorted.map((r) => r.id);
      const page = await c.orchestrator.find({ ...filter, limit: 2, offset: 3 });
      expect(page.map((r) => r.id)).toEqual(ids.slice(3, 5));
      const back = await c.orchestrator.find({ ...filter, limit: 3, offset: 2, order: "desc" });
      expect(back.map((r) => r.id)).toEqual([...ids].reverse().slice(2, 5));
      expect(await c.orchestrator.find({ ...filter, limit: 5, offset: 7 })).toEqual([]);
    }
  });

  test("historyBetween with a limit: the first entries by time, then seq, whatever shares a time", async () => {
    // Two registrations and a batch of claims give entries that share their times (Redis files
    // a script's entries of one time together): every limit must still cut the list in order.
    const c = components();
    const at = Date.now() - 60_000;
    const first = await registered(3, { createdAt: at });
    const second = await registered(3, { createdAt: at });
    const ids = new Set([...first, ...second].map((i) => i.id));
    await c.orchestrator.transition(
      [...first, ...second].map((i) => ({ id: i.id, to: "PENDING" as const, runnerId: "r1" })),
    );
    const mine = (rows: HistoryEntry[]) => rows.filter((h) => ids.has(h.invocationId));
    const key = (h: HistoryEntry) => `${h.invocationId}#${h.seq}`;
    const all = mine(await c.orchestrator.historyBetween(at, Date.now() + 1000, 10_000));
    expect(all).toHaveLength(12);
    const before = (a: HistoryEntry, b: HistoryEntry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
    for (let i = 1; i < all.length; i++) expect(before(all[i]!, all[i - 1]!)).toBe(false);
    for (const limit of [1, 2, 3, 4, 6, 7, 11, 12]) {
      const page = await c.orchestrator.historyBetween(at, Date.now() + 1000, limit);
      expect(page).toHaveLength(limit);
      const taken = new Set(page.map(key));
      // Nothing left out comes before anything returned.
      for (const left of all.filter((h) => !taken.has(key(h)))) {
        for (const got of page) expect(before(left, got)).toBe(false);
      }
    }
  });

  test("find and historyBetween take time bounds that are not whole milliseconds", async () => {
    // A bound computed from a clock offset can be fractional (the trigger scan's was: PostgreSQL
    // refused it as a bigint, and every scan of that runner failed).
    const c = components();
    const [a] = await registered(1);
    const [rec] = (await c.orchestrator.getStatuses([a!.id])).values();
    const at = rec!.updatedAt;
    const found = async (after: number, before: number) =>
      (await c.orchestrator.find({ taskId: rec!.taskId, updatedAfter: after, updatedBefore: before })).map((r) => r.id);
    expect(await found(at - 0.5, at + 0.5)).toContain(a!.id);
    expect(await found(at + 0.5, at + 10.5)).not.toContain(a!.id);
    expect(await found(at - 10.5, at - 0.5)).not.toContain(a!.id);
    const entries = await c.orchestrator.historyBetween(at - 0.5, at + 0.5, 1000);
    expect(entries.some((e) => e.invocationId === a!.id)).toBe(true);
  });

  test("a page of find by status is not emptied by invocations moving on while it reads", async () => {
    const c = components();
    const moving = await registered(600);
    // Registered last, never touched: every page of REGISTERED has at least one of these.
    const staying = await registered(3);
    const claims = (async () => {
      for (let i = 0; i < moving.length; i += 20) {
        await c.orchestrator.transition(
          moving.slice(i, i + 20).map((m) => ({ id: m.id, to: "PENDING" as const, runnerId: "r1" })),
        );
      }
    })();
    let pages = 0;
    let done = false;
    void claims.finally(() => {
      done = true;
    });
    while (!done || pages < 20) {
      const page = await c.orchestrator.find({ statuses: ["REGISTERED"], limit: 1 });
      expect(page).toHaveLength(1);
      pages++;
    }
    await claims;
    expect((await c.orchestrator.find({ statuses: ["REGISTERED"], limit: 10 })).map((r) => r.id).sort()).toEqual(
      staying.map((s) => s.id).sort(),
    );
  });

  test("findInvocations: by task, status, workflow, parent and since; newest first; bounded by limit", async () => {
    const c = components();
    const t0 = Date.now() - 10_000;
    const [root] = await registered(1, { taskId: "charge", createdAt: t0 });
    const kids = [
      ...(await registered(1, { taskId: "charge", parentId: root!.id, workflowId: root!.id, createdAt: t0 + 1 })),
      ...(await registered(1, { taskId: "refund", parentId: root!.id, workflowId: root!.id, createdAt: t0 + 2 })),
    ];
    const later = await registered(3, { taskId: "charge", createdAt: t0 + 5000 });
    await run(root!.id, "r1");
    await run(later[0]!.id, "r1");
    const find = (q: Parameters<typeof checkFindQuery>[0]) =>
      findInvocations(c, checkFindQuery(q)).then((found) => found.map((d) => d.id));

    const charges = await find({ task: "charge" });
    expect(charges).toHaveLength(5);
    expect(charges.slice(-2)).toEqual([kids[0]!.id, root!.id]); // newest first
    expect((await find({ task: "charge", status: "RUNNING" })).sort()).toEqual([root!.id, later[0]!.id].sort());
    expect(await find({ task: "charge", status: ["REGISTERED"], workflowId: root!.id })).toEqual([kids[0]!.id]);
    expect(await find({ parentId: root!.id })).toEqual([kids[1]!.id, kids[0]!.id]);
    expect(await find({ workflowId: root!.id, status: ["PENDING", "SUCCESS"] })).toEqual([]);
    expect((await find({ since: new Date(t0 + 5000) })).sort()).toEqual(later.map((l) => l.id).sort());
    expect(await find({ task: "charge", limit: 2 })).toHaveLength(2);
  });

  test("findInvocations pages past invocations created in the same millisecond without losing or repeating any", async () => {
    const c = components();
    const createdAt = Date.now();
    const many = await registered(620, { taskId: "burst", createdAt }); // more than one page of 500
    const found = await findInvocations(c, checkFindQuery({ task: "burst", status: "REGISTERED", limit: 1000 }));
    expect(new Set(found.map((d) => d.id)).size).toBe(620);
    expect(found.map((d) => d.id).sort()).toEqual(many.map((m) => m.id).sort());
  });
}
