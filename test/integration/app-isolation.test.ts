/**
 * Two apps (different appId) on one PostgreSQL database or one Redis server, with the same task
 * names: a runner of one never runs the other's work, and purging one leaves the other's.
 * (The SQLite case, one database file, is in test/unit/bad-input.test.ts.)
 */
import { afterAll, describe, expect, it } from "vitest";
import { AsyncRunner, Nenc } from "../../src/index.js";
import type { TestBackend } from "../helpers/backends.js";
import { postgresBackend } from "../helpers/postgres.js";
import { redisBackend } from "../helpers/redis.js";
import { forServer } from "../helpers/servers.js";

function isolation(name: string, a: TestBackend, b: TestBackend, cleanup: () => Promise<void>) {
  describe(`two apps on one ${name} server never see each other's work`, () => {
    const mine = new Nenc({ ...a.options, logLevel: "silent" });
    const theirs = new Nenc({ ...b.options, logLevel: "silent" });
    const myTask = mine.task(async (x: string) => `mine ${x}`, { name: "job" });
    const theirTask = theirs.task(async (x: string) => `theirs ${x}`, { name: "job" });

    afterAll(async () => {
      await theirs.purge();
      await Promise.all([mine.close(), theirs.close()]);
      await cleanup();
    });

    it("a runner runs its own app's work only; a purge removes only its own app's", async () => {
      const t = await theirTask("1");
      const m = await myTask("1");
      const runner = new AsyncRunner({ app: mine });
      await runner.start();
      try {
        expect(await m.result({ timeoutMs: 20_000 })).toBe("mine 1");
        await new Promise((r) => setTimeout(r, 500));
        expect(await t.status()).toBe("REGISTERED");
        expect(
          await mine
            .getInvocation(t.id)
            .status()
            .catch(() => null),
        ).toBeNull();
        expect((await mine.findInvocations()).map((i) => i.id)).toEqual([m.id]);
      } finally {
        await runner.stop();
      }
      // stop() closed `mine`; it reconnects on use.
      await mine.purge();
      expect(await t.status()).toBe("REGISTERED");
      expect((await theirs.findInvocations()).map((i) => i.id)).toEqual([t.id]);
    });
  });
}

await forServer("postgres", "app isolation (postgres)", () => {
  const a = postgresBackend();
  const b = postgresBackend();
  isolation("PostgreSQL", a, b, async () => {
    await a.dropSchema();
    await b.dropSchema();
  });
});

await forServer("redis", "app isolation (redis)", () => {
  isolation("Redis", redisBackend(), redisBackend(), async () => {});
});
