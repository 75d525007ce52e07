import { afterEach, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import { AsyncRunner, Nenc } from "../../src/index.js";
import { RecoveryService } from "../../src/recovery/recovery-service.js";
import { deleteOldInvocations } from "../../src/recovery/retention-pass.js";
import { testAppId } from "../helpers/backends.js";
import { waitUntil } from "../helpers/processes.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function newApp(extra: ConstructorParameters<typeof Nenc>[0] = {}) {
  const app = new Nenc({ appId: testAppId("ret"), backend: "memory", logLevel: "silent", ...extra });
  closers.push(() => app.close());
  const add = app.task(async (a: number, b: number) => a + b, { name: "add" });
  const wait = app.task(async (ms: number) => new Promise((r) => setTimeout(r, ms)), { name: "wait" });
  return { app, add, wait };
}

describe("retention", () => {
  it("deletes in bounded batches until nothing old is left", async () => {
    const { app, add } = newApp();
    const runner = new AsyncRunner({ app });
    await runner.start();
    closers.push(() => runner.stop());
    const invs = await Promise.all(Array.from({ length: 7 }, (_, i) => add(i, 1)));
    await Promise.all(invs.map((i) => i.result({ timeoutMs: 10_000 })));
    const c = await appServices(app).components();
    const deps = { ...c, logger: app.logger };
    const cut = Date.now() + 1;
    expect(await deleteOldInvocations(deps, cut, { batchSize: 3, maxBatches: 2 })).toBe(6);
    expect(await deleteOldInvocations(deps, cut, { batchSize: 3, maxBatches: 2 })).toBe(1);
    expect(await app.findInvocations({ task: add })).toEqual([]);
  });

  it("a runner deletes old final invocations on its schedule and keeps the rest", async () => {
    // 0.0005 h = 1.8 s; the pass runs every second.
    const { app, add, wait } = newApp({ retentionHours: 0.0005, retentionCron: "* * * * * *" });
    const runner = new AsyncRunner({ app });
    await runner.start();
    closers.push(() => runner.stop());
    const old = await add(1, 2);
    await old.result({ timeoutMs: 10_000 });
    const long = await wait(60_000);
    await waitUntil(async () => (await long.status()) === "RUNNING", 10_000, "the long task to run");
    const c = await appServices(app).components();
    await waitUntil(async () => (await c.orchestrator.getStatuses([old.id])).size === 0, 20_000, "retention");
    expect((await c.stateBackend.getInvocations([old.id])).size).toBe(0);
    // Not final: kept however old.
    expect(await long.status()).toBe("RUNNING");
    await long.cancel("test over");
  });

  it("runs only under its lease: another holder's pass deletes nothing here", async () => {
    const { app, add } = newApp({ retentionHours: 0.0001 });
    const runner = new AsyncRunner({ app });
    await runner.start();
    closers.push(() => runner.stop());
    const inv = await add(1, 1);
    await inv.result({ timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 500)); // older than 0.36 s
    const c = await appServices(app).components();
    const { config } = await app.config();
    const service = new RecoveryService({ ...c, config, runnerId: "me", logger: app.logger });
    expect(await c.orchestrator.acquireLease("retention", "someone-else", 60_000)).toBe(true);
    expect(await service.run("retention")).toBeNull();
    expect(await inv.status()).toBe("SUCCESS");
    await c.orchestrator.releaseLease("retention", "someone-else");
    expect(await service.run("retention")).toEqual({ deadRunners: [], recovered: [] });
    expect((await c.orchestrator.getStatuses([inv.id])).size).toBe(0);
  });
});
