import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import type { HistoryEntry } from "../../src/index.js";
import { Nenc } from "../../src/index.js";
import { HistoryCache } from "../../src/monitor/history-cache.js";
import { createMonitorApp } from "../../src/monitor/server.js";
import { buildInvocation } from "../../src/monitor/timeline/invocation.js";
import { loadTimeline } from "../../src/monitor/timeline/load.js";
import { sqliteBackend } from "../helpers/backends.js";

const row = (seq: number, status: HistoryEntry["status"], ownerId: string | null, actorId: string | null, at: number) =>
  ({ invocationId: "inv", seq, status, ownerId, token: seq, actorId, at, note: null }) satisfies HistoryEntry;

describe("timeline data", () => {
  it("a recovered invocation: a bar on the dead lane, an arrow to the lane that finished it", () => {
    const rows = [
      row(1, "REGISTERED", null, null, 1000),
      row(2, "PENDING", "A", "A", 1100),
      row(3, "RUNNING", "A", "A", 1200),
      row(4, "RUNNING_RECOVERY", "R", "R", 5000),
      row(5, "REROUTED", null, "R", 5001),
      row(6, "PENDING", "B", "B", 5100),
      row(7, "RUNNING", "B", "B", 5200),
      row(8, "SUCCESS", null, "B", 7000),
    ];
    const built = buildInvocation(rows, "t", 0, 10_000);
    expect(built.bars.map((b) => [b.lane, b.start, b.end, b.status, b.open])).toEqual([
      ["A", 1100, 5000, "RUNNING_RECOVERY", false],
      ["B", 5100, 7000, "SUCCESS", false],
    ]);
    expect(built.arrows).toEqual([
      { invocationId: "inv", taskId: "t", fromLane: "A", toLane: "B", at: 5000, arrivedAt: 5100, recoveredBy: "R" },
    ]);
    expect(built.markers).toEqual([{ lane: "R", at: 5000, kind: "recovered", invocationId: "inv" }]);
  });

  it("an open run ends at `until`; a run clipped by the range starts at `from`", () => {
    const open = buildInvocation([row(2, "PENDING", "A", "A", 100), row(3, "RUNNING", "A", "A", 200)], "t", 0, 900);
    expect(open.bars.map((b) => [b.start, b.end, b.status, b.open])).toEqual([[100, 900, "RUNNING", true]]);
    const clipped = buildInvocation([row(4, "SUCCESS", null, "A", 500)], "t", 300, 900);
    expect(clipped.bars.map((b) => [b.lane, b.start, b.end, b.status])).toEqual([["A", 300, 500, "SUCCESS"]]);
  });

  it("a cancelled invocation: its run ends CANCELLING with a marker, no arrow", () => {
    const built = buildInvocation(
      [
        row(2, "PENDING", "A", "A", 100),
        row(3, "RUNNING", "A", "A", 200),
        row(4, "CANCELLING", "monitor", "monitor", 300),
        row(5, "FAILED", null, "monitor", 300),
      ],
      "t",
      0,
      900,
    );
    expect(built.bars.map((b) => b.status)).toEqual(["CANCELLING"]);
    expect(built.arrows).toEqual([]);
    expect(built.markers.map((m) => [m.kind, m.lane])).toEqual([["cancelled", "A"]]);
  });

  describe("50,000 invocations in range (SQLite)", () => {
    const backend = sqliteBackend();
    const app = new Nenc(backend.options);
    afterAll(async () => {
      await app.purge();
      await app.close();
    });

    it("aggregates thin bars into buckets and stays bounded", async () => {
      const c = await appServices(app).components();
      const runners = ["r1", "r2", "r3", "r4"];
      const now = Date.now();
      for (const id of runners) {
        await c.orchestrator.registerRunner({
          id,
          kind: "AsyncRunner",
          host: "h",
          pid: 1,
          threadId: 0,
          parentId: null,
          startedAt: now,
        });
      }
      const N = 50_000;
      const BATCH = 5000;
      for (let i = 0; i < N; i += BATCH) {
        const batch = Array.from({ length: BATCH }, (_, k) => ({
          id: randomUUID(),
          taskId: k % 10 === 0 ? "other" : "bulk",
          args: "[]",
          parentId: null,
          workflowId: "wf",
          createdAt: now,
        }));
        await c.orchestrator.register(batch);
        const owner = (k: number) => runners[k % runners.length]!;
        const pending = await c.orchestrator.transition(
          batch.map((b, k) => ({ id: b.id, to: "PENDING" as const, runnerId: owner(k) })),
        );
        const running = await c.orchestrator.transition(
          pending.map((p, k) => ({ id: p.id, to: "RUNNING" as const, runnerId: owner(k), token: p.ok ? p.token : 0 })),
        );
        await c.orchestrator.transition(
          running.map((r, k) => ({
            id: r.id,
            to: k % 7 === 0 ? ("FAILED" as const) : ("SUCCESS" as const),
            runnerId: owner(k),
            token: r.ok ? r.token : 0,
            outcome:
              k % 7 === 0
                ? { kind: "error" as const, error: { name: "E", message: "m" } }
                : { kind: "result" as const, value: "1" },
          })),
        );
      }
      const cache = new HistoryCache(async () => c.orchestrator);
      let started = performance.now();
      const data = await loadTimeline(c, cache, {
        from: now - 60_000,
        to: Date.now() + 1000,
        width: 1000,
        now: Date.now(),
        deadAfterMs: 60_000,
      });
      console.log(
        `timeline of ${data.invocations} invocations loaded in ${Math.round(performance.now() - started)} ms`,
      );
      expect(data.invocations).toBe(N);
      expect(data.truncated).toBe(false);
      expect(data.bars).toHaveLength(0);
      for (const id of runners) {
        const lane = data.lanes.find((l) => l.id === id)!;
        expect(lane.aggregated).toBe(true);
        const mine = data.buckets.filter((k) => k.lane === id);
        expect(mine.length).toBeLessThanOrEqual(Math.ceil(1000 / 3));
        expect(mine.reduce((a, k) => a + (k.byStatus.FAILED ?? 0), 0)).toBeGreaterThan(0);
      }
      started = performance.now();
      const filtered = await loadTimeline(c, cache, {
        from: now - 60_000,
        to: Date.now() + 1000,
        width: 1000,
        taskId: "other",
        now: Date.now(),
        deadAfterMs: 60_000,
      });
      console.log(`again, from the monitor's history cache: ${Math.round(performance.now() - started)} ms`);
      expect(filtered.invocations).toBe(N / 10);

      const { hono } = createMonitorApp(app);
      const t = performance.now();
      const res = await hono.request(`/timeline?from=${now - 60_000}&to=${Date.now() + 1000}&w=1000`);
      const page = await res.text();
      console.log(`timeline page: ${Math.round(page.length / 1024)} KiB in ${Math.round(performance.now() - t)} ms`);
      expect(res.status).toBe(200);
      expect(page).toContain(`${N} invocations`);
      expect(page).toContain('class="bucket"');
      expect(page.length).toBeLessThan(2_000_000);
    });
  });
});
