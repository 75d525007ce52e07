/**
 * A claim the backend applied but whose reply never reached the runner (a connection dropped
 * mid-call, a batch failed part-way) leaves an invocation RUNNING, owned by a live runner that
 * does not run it. Its heartbeat keeps it alive, so recovery never takes that work: the runner
 * itself finds what it owns but does not run and hands it back.
 */
import { afterAll, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import { AsyncRunner, Nenc } from "../../src/index.js";

describe("stray claims", () => {
  const app = new Nenc({ appId: "unit_stray", backend: "memory", logLevel: "silent" });
  const echo = app.task(async (v: string) => v, { name: "echo" });

  afterAll(async () => {
    await app.close();
  });

  it("an invocation owned by a live runner but not running there is handed back and runs", async () => {
    const { orchestrator, broker } = await appServices(app).components();
    const inv = await echo("stray");
    // The claim's reply is lost: the invocation is off the queue before the runner sees it.
    expect(await broker.claim(1)).toEqual([inv.id]);
    const runner = new AsyncRunner({ app });
    await runner.start();
    try {
      const [claimed] = await orchestrator.transition([
        { id: inv.id, to: "PENDING", andThen: "RUNNING", runnerId: runner.id, expectFrom: ["REGISTERED"] },
      ]);
      expect(claimed?.ok).toBe(true);
      expect(await inv.result({ timeoutMs: 40_000 })).toBe("stray");
      const history = (await inv.history()).map((h) => h.status);
      expect(history).toEqual([
        "REGISTERED",
        "PENDING",
        "RUNNING",
        "KILLED",
        "REROUTED",
        "PENDING",
        "RUNNING",
        "SUCCESS",
      ]);
      const killed = (await inv.history()).find((h) => h.status === "KILLED");
      expect(killed?.note).toMatch(/owned by this runner but not running here/);
    } finally {
      await runner.stop();
    }
  }, 60_000);
});
