/**
 * A runner waits for work again and again while its queue is empty (the SQLite runner is woken
 * by every write to the database, idle or not). Each wait must leave nothing behind: a wait
 * raced against the runner-long stop promise left a reaction on it per wait, and the SQLite
 * runner's memory grew from 185 to 2,076 MiB in a 5-minute steady run (fixed in 243c508).
 * Measured as heap growth after forced collections over many wake-ups, with a wide margin: the
 * old code grew by tens of MiB here, the fixed one stays within a few.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { appServices } from "../../src/app.js";
import { AsyncRunner, Nenc } from "../../src/index.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe("a runner's waits for work", () => {
  const app = new Nenc({ appId: "unit_waits", backend: "memory", logLevel: "silent" });

  afterAll(async () => {
    await app.close();
  });

  it("leave nothing behind: the heap stays flat over 200,000 empty wake-ups", async () => {
    const { broker } = await appServices(app).components();
    let waits = 0;
    let reached: (() => void) | null = null;
    let target = 0;
    // Every wait ends at once, as a woken runner's does: the loop claims nothing and waits again.
    broker.waitForWork = () =>
      new Promise<void>((resolve) => {
        waits++;
        if (waits >= target) reached?.();
        setImmediate(resolve);
      });
    const until = (n: number) =>
      new Promise<void>((resolve) => {
        target = n;
        reached = resolve;
      });
    const runner = new AsyncRunner({ app });
    await runner.start();
    try {
      await until(20_000);
      const before = heapMiB();
      await until(220_000);
      const growth = heapMiB() - before;
      expect(waits).toBeGreaterThanOrEqual(220_000);
      expect(growth).toBeLessThan(8);
    } finally {
      await runner.stop();
    }
  }, 120_000);
});
