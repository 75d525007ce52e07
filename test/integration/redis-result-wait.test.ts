/**
 * On Redis, a caller waiting on its own call's result is told when it became final: once the
 * change channel is subscribed, `result()` reads nothing (FinalNotes, ResultWaiter), whether it
 * became final before the wait began or after.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { RedisInvocationStatus } from "../../src/backends/redis/invocation-status.js";
import { AsyncRunner, Nenc } from "../../src/index.js";
import { redisBackend } from "../helpers/redis.js";
import { forServer } from "../helpers/servers.js";

await forServer("redis", "result waits on Redis", () => {
  describe("a caller waiting on its own calls on Redis", () => {
    const backend = redisBackend();
    const app = new Nenc({ ...backend.options, logLevel: "silent" });
    const echo = app.task(async (x: number) => x * 2, { name: "echo" });
    const runner = new AsyncRunner({ app });

    afterAll(async () => {
      await runner.stop();
      await app.purge();
      await app.close();
    });

    it("holds the result without reading it, when told of it before or after the wait began", async () => {
      await runner.start();
      // The first wait subscribes to the change channel (and reads: nothing was noted before).
      expect(await (await echo(1)).result({ timeoutMs: 20_000 })).toBe(2);
      const reads = vi.spyOn(RedisInvocationStatus.prototype, "getSettled");
      try {
        const waitedAtOnce = await echo(2);
        expect(await waitedAtOnce.result({ timeoutMs: 20_000 })).toBe(4);
        const finalBeforeTheWait = await echo(3);
        await new Promise((r) => setTimeout(r, 300));
        expect(await finalBeforeTheWait.result({ timeoutMs: 20_000 })).toBe(6);
        const readIds = reads.mock.calls.flatMap(([ids]) => [...ids]);
        expect(readIds).not.toContain(waitedAtOnce.id);
        expect(readIds).not.toContain(finalBeforeTheWait.id);
      } finally {
        reads.mockRestore();
      }
    });
  });
});
