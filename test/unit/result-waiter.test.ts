/**
 * The result waiter's loop (one per app, every `result()` of the process): which changes wake it,
 * and how a waiter that joins while it waits is served. Driven by a scripted orchestrator so
 * each wake-up is the test's own.
 */
import { describe, expect, it } from "vitest";
import { concernsWaiter } from "../../src/backends/redis/change-message.js";
import type { ChangeWaitOptions, Orchestrator, SettledRecord, StatusRecord } from "../../src/core/contract/index.js";
import { ResultWaiter } from "../../src/core/result-waiter.js";
import type { Status } from "../../src/core/status.js";

function record(id: string, status: Status): StatusRecord {
  const base = { taskId: "t", ownerId: null, token: 0, retries: 0, attempts: 0, updatedAt: Date.now() };
  return { id, status, ...base, runningScope: null, registrationScope: null };
}

/** An orchestrator with push wake-ups whose change waits end only when the test says so. */
function scripted(statuses: Map<string, Status>) {
  const waits: Array<{ opts: ChangeWaitOptions | undefined; end: () => void }> = [];
  const reads: string[][] = [];
  const orchestrator = {
    capabilities: { sharedAcrossProcesses: true, pushWakeups: true },
    waitForChange: (_ids: readonly string[], _timeoutMs: number, opts?: ChangeWaitOptions) =>
      new Promise<void>((end) => {
        waits.push({ opts, end });
      }),
    onSettled: () => null,
    getSettled: async (ids: readonly string[]) => {
      reads.push([...ids]);
      const out = new Map<string, SettledRecord>();
      for (const id of ids) {
        const status = statuses.get(id);
        if (status) out.set(id, { record: record(id, status), outcome: { kind: "result", value: JSON.stringify(id) } });
      }
      return out;
    },
  } as unknown as Orchestrator;
  return { orchestrator, waits, reads };
}

const turn = () => new Promise((r) => setImmediate(r));

describe("the result waiter", () => {
  it("asks to be woken only by changes that may have made an invocation final", async () => {
    const statuses = new Map<string, Status>([["a", "RUNNING"]]);
    const { orchestrator, waits } = scripted(statuses);
    const waiting = new ResultWaiter(orchestrator).wait("a");
    await turn();
    expect(waits.map((w) => w.opts)).toEqual([{ finalOnly: true }]);
    statuses.set("a", "SUCCESS");
    waits[0]?.end();
    expect((await waiting.promise).record.status).toBe("SUCCESS");
  });

  it("reads a waiter that joins while it waits at once, without waiting for a change", async () => {
    const statuses = new Map<string, Status>([
      ["a", "RUNNING"],
      ["b", "SUCCESS"],
    ]);
    const { orchestrator, waits, reads } = scripted(statuses);
    const waiter = new ResultWaiter(orchestrator);
    const a = waiter.wait("a");
    await turn();
    expect(waits).toHaveLength(1);
    // No change ever comes: only the join itself can get "b" read.
    const b = await waiter.wait("b").promise;
    expect(b.record.status).toBe("SUCCESS");
    expect(reads.at(-1)).toEqual(["a", "b"]);
    // The wait armed before the join is kept, not armed again.
    expect(waits).toHaveLength(1);
    a.cancel();
    waits[0]?.end();
  });
});

describe("Redis change lines (change-message.ts)", () => {
  it("tell a result waiter to read only for a status that may be final", () => {
    expect(concernsWaiter("a\tRUNNING\nb\tREGISTERED", null, true)).toBe(false);
    expect(concernsWaiter("a\tRUNNING\nb\tFAILED", null, true)).toBe(true);
    expect(concernsWaiter('a\tSUCCESS\tsuccess\t"x"', null, true)).toBe(true);
    // A bare id (an earlier version's line) or an unknown status says nothing: read.
    expect(concernsWaiter("a", null, true)).toBe(true);
    expect(concernsWaiter("a\tNOT_A_STATUS", null, true)).toBe(true);
    // With ids given, other invocations' lines do not count.
    expect(concernsWaiter("a\tSUCCESS\nb\tRUNNING", new Set(["b"]), true)).toBe(false);
    expect(concernsWaiter("a\tSUCCESS\nb\tRUNNING", new Set(["a"]), true)).toBe(true);
  });
});
