/**
 * A runner frozen (SIGSTOP, a long GC pause, a cut connection) has its work recovered and
 * rerouted; when it wakes, it may claim that same invocation again while its earlier execution
 * is still running. The earlier execution's token is stale: it must be aborted (ownership lost),
 * and the new execution must keep its own signal and bookkeeping. Before the fix, both shared
 * the runner's per-id entries: the earlier one was never aborted, and an ownership check read
 * before the re-claim aborted the new one instead.
 */
import { afterAll, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import { AsyncRunner, Nenc } from "../../src/index.js";

describe("an invocation claimed again by the runner still running it", () => {
  const app = new Nenc({ appId: "unit_claimed_again", backend: "memory", logLevel: "silent" });
  const events: string[] = [];
  let openGate: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const twice = app.task(
    async () => {
      const { attempt, signal } = twice.context;
      events.push(`start ${attempt}`);
      signal.addEventListener("abort", () => {
        events.push(`abort ${attempt} ${(signal.reason as { why?: string }).why}`);
      });
      if (attempt === 1) {
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        return "first";
      }
      await gate;
      return "second";
    },
    { name: "twice" },
  );

  afterAll(async () => {
    await app.close();
  });

  it("aborts the earlier execution, not the new one, and records the new one's result", async () => {
    const { orchestrator, broker } = await appServices(app).components();
    const runner = new AsyncRunner({ app });
    await runner.start();
    try {
      const inv = await twice();
      while (!events.includes("start 1")) await new Promise((r) => setTimeout(r, 10));
      // Recovery takes the work from the runner (as from a dead one) and routes it again.
      const rec = (await orchestrator.getStatuses([inv.id])).get(inv.id);
      const [taken] = await orchestrator.transition([
        { id: inv.id, to: "RUNNING_RECOVERY", runnerId: "recoverer", expectFrom: ["RUNNING"], expectToken: rec?.token },
      ]);
      if (!taken?.ok) throw new Error(`recovery refused: ${JSON.stringify(taken)}`);
      const [rerouted] = await orchestrator.transition([
        { id: inv.id, to: "REROUTED", runnerId: "recoverer", token: taken.token },
      ]);
      expect(rerouted?.ok).toBe(true);
      await broker.route([{ id: inv.id }]);
      while (!events.includes("start 2")) await new Promise((r) => setTimeout(r, 10));
      while (!events.some((e) => e.startsWith("abort 1"))) await new Promise((r) => setTimeout(r, 10));
      // Past a few ownership checks (every 500 ms): the new execution keeps running.
      await new Promise((r) => setTimeout(r, 1200));
      openGate();
      expect(await inv.result({ timeoutMs: 20_000 })).toBe("second");
      expect(events).toEqual(["start 1", "abort 1 ownership lost", "start 2"]);
      const history = (await inv.history()).map((h) => h.status);
      expect(history.slice(-4)).toEqual(["REROUTED", "PENDING", "RUNNING", "SUCCESS"]);
    } finally {
      await runner.stop();
    }
  }, 60_000);
});
