import { describe, expect, it } from "vitest";
import { createComponents } from "../../src/backends/registry.js";
import { defaultConfig } from "../../src/config/schema.js";
import { LogRoot } from "../../src/core/logger.js";
import { rerouteLostDeliveries } from "../../src/recovery/recovery-pass.js";

describe("lost deliveries", () => {
  it("REGISTERED work no longer queued (its claimer died before PENDING) is routed again, once", async () => {
    const c = await createComponents({ ...defaultConfig(), appId: "unit_lost", backend: "memory" });
    const logger = new LogRoot("silent", "text").child({});
    const now = Date.now();
    const inv = (id: string) => ({ id, taskId: "t", args: "[]", parentId: null, workflowId: id, createdAt: now - 10 });
    const lost = inv("lost-1");
    const queued = inv("queued-1");
    await c.stateBackend.saveInvocations([lost, queued]);
    await c.orchestrator.register([lost, queued]);
    await c.broker.route([{ id: queued.id }]); // only this one was delivered
    expect([...(await c.broker.queued([lost.id, queued.id]))]).toEqual([queued.id]);
    const rerouted = await rerouteLostDeliveries({ ...c, logger }, Date.now() + 1, "its claimer died");
    expect(rerouted).toEqual([lost.id]);
    expect((await c.broker.queued([lost.id, queued.id])).size).toBe(2);
    expect(await c.broker.depth()).toBe(2);
    await c.orchestrator.purge();
    await c.broker.purge();
  });

  it("one claimed between the find and the queue check is not lost: it is left to its runner", async () => {
    const c = await createComponents({ ...defaultConfig(), appId: "unit_lost_race", backend: "memory" });
    const logger = new LogRoot("silent", "text").child({});
    const now = Date.now();
    const inv = { id: "raced-1", taskId: "t", args: "[]", parentId: null, workflowId: "raced-1", createdAt: now - 10 };
    await c.stateBackend.saveInvocations([inv]);
    await c.orchestrator.register([inv]);
    await c.broker.route([{ id: inv.id }]);
    // A runner claims it while recovery is between its find (REGISTERED) and its queue check.
    const queued = c.broker.queued.bind(c.broker);
    c.broker.queued = async (ids) => {
      expect(await c.broker.claim(1, ["default"])).toEqual([inv.id]);
      const [r] = await c.orchestrator.transition([{ id: inv.id, to: "PENDING", runnerId: "r1" }]);
      expect(r?.ok).toBe(true);
      return queued(ids);
    };
    const rerouted = await rerouteLostDeliveries({ ...c, logger }, Date.now() + 1, "no longer queued");
    expect(rerouted).toEqual([]);
    expect(await c.broker.depth()).toBe(0);
    await c.orchestrator.purge();
    await c.broker.purge();
  });
});
