/**
 * Which registrations the runtime notes for result waits (ChangeFeed.noteFinals): a call's own
 * fresh id, not an id given to the registration (an event's, a trigger's, a workflow child's:
 * deterministic ones may have been recorded, even final, before this process registered them,
 * so a wait on one reads it first).
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { appServices } from "../../src/app.js";
import { Nenc } from "../../src/index.js";

const app = new Nenc({ appId: "unit_result_notes", backend: "memory", logLevel: "silent" });
const job = app.task(async (x: number) => x, { name: "job" });
const paid = app.event<{ orderId: string }>("order.paid");

afterAll(async () => {
  await app.close();
});

describe("the ids noted for result waits", () => {
  it("are a call's own, not an id given to the registration", async () => {
    const { orchestrator } = await appServices(app).components();
    const noted = vi.spyOn(orchestrator, "noteFinals");
    const call = await job(1);
    const emitted = await paid.emit({ orderId: "o1" });
    const ids = noted.mock.calls.flatMap(([list]) => [...list]);
    expect(ids).toContain(call.id);
    expect(ids).not.toContain(emitted);
    noted.mockRestore();
  });
});
