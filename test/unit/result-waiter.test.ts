/**
 * The result waiter's loop (one per app, every `result()` of the process): which changes wake it,
 * and how a waiter that joins while it waits is served. Driven by a scripted orchestrator so
 * each wake-up is the test's own.
 */
import { describe, expect, it } from "vitest";
import { concernsWaiter } from "../../src/backends/redis/change-message.js";
import type {
  ChangeWaitOptions,
  HeardFinal,
  Orchestrator,
  SettledRecord,
  Settlement,
  StatusRecord,
} from "../../src/core/contract/index.js";
import { ResultWaiter } from "../../src/core/result-waiter.js";
import type { Status } from "../../src/core/status.js";

function record(id: string, status: Status): StatusRecord {
  const base = { taskId: "t", ownerId: null, token: 0, retries: 0, attempts: 0, updatedAt: Date.now() };
  return { id, status, ...base, runningScope: null, registrationScope: null };
}

/**
 * An orchestrator with push wake-ups whose change waits end only when the test says so;
 * `heard` is its heardFinal, `announce` calls its onSettled listeners.
 */
function scripted(statuses: Map<string, Status>, heard: (id: string) => HeardFinal | "pending" | null = () => null) {
  const waits: Array<{ opts: ChangeWaitOptions | undefined; end: () => void }> = [];
  const reads: string[][] = [];
  const listeners = new Set<(s: Settlement) => void>();
  const announce = (s: Settlement) => {
    for (const l of listeners) l(s);
  };
  const orchestrator = {
    capabilities: { sharedAcrossProcesses: true, pushWakeups: true },
    waitForChange: (_ids: readonly string[], _timeoutMs: number, opts?: ChangeWaitOptions) =>
      new Promise<void>((end) => {
        waits.push({ opts, end });
      }),
    onSettled: (listener: (s: Settlement) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    noteFinals: () => {},
    heardFinal: heard,
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
  return { orchestrator, waits, reads, announce };
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

describe("the result waiter, with waiters the change feed vouches for (heardFinal)", () => {
  it("settles one told final before the wait at once, without a read or a wait", async () => {
    const told: HeardFinal = { id: "a", status: "SUCCESS", outcome: { kind: "result", value: "1" } };
    const { orchestrator, waits, reads } = scripted(new Map(), () => told);
    const a = await new ResultWaiter(orchestrator).wait("a").promise;
    expect(a).toEqual({ record: { id: "a", status: "SUCCESS" }, outcome: { kind: "result", value: "1" } });
    expect(reads).toEqual([]);
    expect(waits).toEqual([]);
  });

  it("only listens for a pending one, and is settled by its announcement", async () => {
    const { orchestrator, waits, reads, announce } = scripted(new Map([["a", "RUNNING"]]), () => "pending");
    const waiting = new ResultWaiter(orchestrator).wait("a");
    await turn();
    expect(reads).toEqual([]);
    expect(waits).toHaveLength(1);
    announce({ id: "a", status: "SUCCESS", outcome: { kind: "result", value: "2" } });
    expect((await waiting.promise).outcome).toEqual({ kind: "result", value: "2" });
    expect(reads).toEqual([]);
    waits[0]?.end();
  });

  it("reads a pending one once a change came that was not announced with an outcome", async () => {
    const statuses = new Map<string, Status>([["a", "RUNNING"]]);
    const { orchestrator, waits, reads } = scripted(statuses, () => "pending");
    const waiting = new ResultWaiter(orchestrator).wait("a");
    await turn();
    expect(reads).toEqual([]);
    statuses.set("a", "FAILED");
    waits[0]?.end();
    expect((await waiting.promise).record.status).toBe("FAILED");
    expect(reads).toEqual([["a"]]);
  });

  it("reads for one it cannot vouch for that joins the pending ones", async () => {
    const statuses = new Map<string, Status>([
      ["a", "RUNNING"],
      ["b", "SUCCESS"],
    ]);
    const { orchestrator, waits, reads } = scripted(statuses, (id) => (id === "a" ? "pending" : null));
    const waiter = new ResultWaiter(orchestrator);
    const a = waiter.wait("a");
    await turn();
    expect(reads).toEqual([]);
    expect((await waiter.wait("b").promise).record.status).toBe("SUCCESS");
    expect(reads).toEqual([["a", "b"]]);
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
