/**
 * Conformance cases for retention (deleting old final invocations); part of the one suite in
 * backend.case.ts (called from inside it), so every engine runs them.
 */
import { expect } from "vitest";
import type { Components, NewInvocation } from "../../src/core/contract/index.js";

interface Ctx {
  test(name: string, fn: () => Promise<void>): void;
  components(): Components;
  registered(n?: number, over?: Partial<NewInvocation>): Promise<NewInvocation[]>;
  /** REGISTERED -> PENDING -> RUNNING for `runner`; returns the token. */
  run(id: string, runner: string): Promise<number>;
}

/** Let the clocks move on, so that updates before and after `Date.now()` are told apart. */
const tick = () => new Promise((r) => setTimeout(r, 50));

export function retentionCases({ test, components, registered, run }: Ctx): void {
  test("retention deletes only final invocations older than the cut, oldest first, in batches", async () => {
    const c = components();
    const [done, failed, running, recent, waiting] = await registered(5);
    const finish = async (id: string, to: "SUCCESS" | "FAILED") => {
      const token = await run(id, "r1");
      const outcome =
        to === "SUCCESS"
          ? ({ kind: "result", value: "1" } as const)
          : ({ kind: "error", error: { name: "Error", message: "x" } } as const);
      const [r] = await c.orchestrator.transition([{ id, to, runnerId: "r1", token, outcome }]);
      expect(r?.ok).toBe(true);
    };
    await finish(done!.id, "SUCCESS");
    await tick();
    await finish(failed!.id, "FAILED");
    await run(running!.id, "r1");
    await tick();
    const cut = Date.now();
    await tick();
    await finish(recent!.id, "SUCCESS");
    await c.stateBackend.appendLogs([
      { invocationId: done!.id, runnerId: "r1", taskId: "t", level: "info", message: "old", at: cut - 10 },
      { invocationId: recent!.id, runnerId: "r1", taskId: "t", level: "info", message: "new", at: cut + 10 },
    ]);

    expect(await c.orchestrator.deleteFinalBefore(cut, 1)).toEqual([done!.id]);
    expect(await c.orchestrator.deleteFinalBefore(cut, 10)).toEqual([failed!.id]);
    expect(await c.orchestrator.deleteFinalBefore(cut, 10)).toEqual([]);
    const gone = [done!.id, failed!.id];
    await c.stateBackend.deleteInvocations([...gone, "unknown-id"]);

    const statuses = await c.orchestrator.getStatuses([...gone, running!.id, recent!.id, waiting!.id]);
    expect([...statuses.keys()].sort()).toEqual([running!.id, recent!.id, waiting!.id].sort());
    for (const id of gone) {
      expect(await c.orchestrator.history(id)).toEqual([]);
      expect(await c.orchestrator.getOutcome(id)).toBeNull();
      expect(await c.stateBackend.logs(id)).toEqual([]);
    }
    expect((await c.orchestrator.find({ statuses: ["SUCCESS", "FAILED"] })).map((r) => r.id)).toEqual([recent!.id]);
    const counts = await c.orchestrator.countByStatus();
    expect(counts.filter((x) => x.status === "FAILED" && x.count > 0)).toEqual([]);
    expect(counts.find((x) => x.status === "SUCCESS")?.count).toBe(1);
    const data = await c.stateBackend.getInvocations([...gone, recent!.id]);
    expect([...data.keys()]).toEqual([recent!.id]);
    expect((await c.stateBackend.logs(recent!.id)).map((l) => l.message)).toEqual(["new"]);
    expect((await c.stateBackend.findInvocations({})).map((d) => d.id).sort()).toEqual(
      [running!.id, recent!.id, waiting!.id].sort(),
    );
    // The history index by time keeps only the rows of invocations that still exist.
    const rows = await c.orchestrator.historyBetween(0, Date.now() + 1000, 1000);
    expect(rows.some((h) => gone.includes(h.invocationId))).toBe(false);
    expect(rows.some((h) => h.invocationId === recent!.id)).toBe(true);
  });
}
