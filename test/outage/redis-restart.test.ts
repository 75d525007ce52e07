/**
 * Redis outages in the middle of a run of a few hundred invocations, with a real runner
 * process (run alone by vitest.outage.config.ts: it disturbs the shared server).
 *
 * What is asserted, and the guarantee it stands for:
 * - Connection drop (CLIENT KILL of every client, data kept): the runner and the caller
 *   reconnect on their own; every invocation completes exactly as recorded.
 * - The server stops answering for 2 s (CLIENT PAUSE ALL): commands wait, nothing is lost.
 * - Server restart with its data kept (SHUTDOWN SAVE, then the standard start command, which
 *   loads the snapshot): same guarantee. This is the guarantee for a Redis that persists
 *   (RDB/AOF): nenc's state lives in Redis, so it survives what Redis itself keeps.
 * - A restart that LOSES the data (the CI server runs with --save "" and no AOF, and a plain
 *   `shutdown nosave` restart empties it) is out of scope: the invocation records are gone,
 *   so no backend-side guarantee is possible. Run Redis with persistence in production.
 *
 * "Exactly as recorded": each invocation ends SUCCESS with the right result; its history has
 * one SUCCESS, contiguous seq numbers, only transitions the status table allows; the status
 * record agrees with the last history entry. A recovery (if an outage outlasted the dead-after
 * window) may appear in the history; it is allowed but must follow the same rules.
 *
 * Whatever happens, the standard server is running again when the file ends.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { REDIS_SNAPSHOT, REDIS_STANDARD_START } from "../../chaos/servers.js";
import { appServices } from "../../src/app.js";
import { canTransition } from "../../src/core/status.js";
import { Nenc } from "../../src/index.js";
import { defineTasks } from "../fixtures/tasks.js";
import { killAllRunners, spawnRunner, waitUntil } from "../helpers/processes.js";
import { REDIS_TEST_URL, redisBackend } from "../helpers/redis.js";
import { reachable, requireServer } from "../helpers/servers.js";

const SNAPSHOT = REDIS_SNAPSHOT;

async function pingable(): Promise<boolean> {
  const probe = new Redis(REDIS_TEST_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function stopServer(save: boolean): Promise<void> {
  spawnSync("redis-cli", ["-p", "6379", "shutdown", save ? "save" : "nosave"], { stdio: "ignore" });
  const end = Date.now() + 10_000;
  while ((await reachable(6379, "127.0.0.1", 200)) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

async function startStandardServer(): Promise<void> {
  execFileSync("redis-server", REDIS_STANDARD_START, { stdio: "ignore" });
  const end = Date.now() + 15_000;
  while (!(await pingable())) {
    if (Date.now() > end) throw new Error("redis-server did not answer PING within 15 s after the standard start");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Retry an operation that may fail while Redis is away (the caller's retry, as a runner's loop does). */
async function retrying<T>(what: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end) throw new Error(`${what} kept failing for ${timeoutMs} ms`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const available = await requireServer("redis");

describe.skipIf(!available)("redis outages during a run of a few hundred invocations", () => {
  let raw: Redis;
  let snapshotExisted = false;

  beforeAll(() => {
    snapshotExisted = existsSync(SNAPSHOT);
    raw = new Redis(REDIS_TEST_URL, { retryStrategy: (n) => Math.min(50 * n, 500) });
    raw.on("error", () => {});
  });

  afterEach(async () => {
    await killAllRunners();
  });

  afterAll(async () => {
    raw?.disconnect();
    if (!(await pingable())) await startStandardServer();
    // The snapshot this file wrote must not resurrect data on a later restart.
    if (!snapshotExisted) rmSync(SNAPSHOT, { force: true });
  });

  async function scenario(disrupt: () => Promise<void>): Promise<void> {
    const backend = redisBackend();
    const app = new Nenc(backend.options);
    const tasks = defineTasks(app);
    try {
      const runner = spawnRunner({ env: backend.env, runner: "AsyncRunner", concurrency: 4 });
      await runner.waitFor(/AsyncRunner \S+ started/);
      const { orchestrator } = await appServices(app).components();
      // The runner's heartbeat thread connects on its own, about a second after start-up; a
      // thread whose first connect fails does not retry (src/runners, reported), so let it
      // connect before the outage: its beats move lastHeartbeat past the registration stamp.
      await waitUntil(
        async () => (await orchestrator.runners()).some((r) => r.lastHeartbeat > r.startedAt + 1500),
        20_000,
        "the runner's heartbeat thread beating",
      );

      const first = await Promise.all(Array.from({ length: 150 }, (_, i) => tasks.sleepTask(20, `s${i}`)));
      const firstIds = first.map((i) => i.id);
      const successCount = async (ids: string[]) =>
        [...(await orchestrator.getStatuses(ids)).values()].filter((r) => r.status === "SUCCESS").length;
      await waitUntil(
        async () => (await successCount(firstIds)) >= 20,
        30_000,
        "20 invocations done before the outage",
      );
      expect(await successCount(firstIds)).toBeLessThan(150); // the outage really lands mid-run

      await disrupt();

      // Registered after the outage, through clients that lived through it.
      const second = await Promise.all(
        Array.from({ length: 150 }, (_, i) => retrying(`add(${i})`, () => tasks.add(i, 1000))),
      );
      const allIds = [...firstIds, ...second.map((i) => i.id)];
      await waitUntil(
        async () => {
          try {
            return (await successCount(allIds)) === allIds.length;
          } catch {
            return false; // Redis still coming back: look again
          }
        },
        120_000,
        "all 300 invocations SUCCESS",
      );

      const tags = await Promise.all(first.map((i) => retrying("result", () => i.result({ timeoutMs: 10_000 }))));
      expect(tags.map((t) => t.tag)).toEqual(first.map((_, i) => `s${i}`));
      const sums = await Promise.all(second.map((i) => retrying("result", () => i.result({ timeoutMs: 10_000 }))));
      expect(sums).toEqual(second.map((_, i) => i + 1000));

      const records = await orchestrator.getStatuses(allIds);
      let recovered = 0;
      for (const id of allIds) {
        const h = await orchestrator.history(id);
        if (h.some((e) => e.status === "RUNNING_RECOVERY" || e.status === "PENDING_RECOVERY")) recovered++;
        const statuses = h.map((e) => e.status);
        expect(statuses[0], id).toBe("REGISTERED");
        expect(statuses.at(-1), id).toBe("SUCCESS");
        expect(
          statuses.filter((s) => s === "SUCCESS"),
          id,
        ).toHaveLength(1);
        expect(
          h.map((e) => e.seq),
          id,
        ).toEqual(h.map((_, i) => i + 1));
        for (let i = 1; i < h.length; i++) {
          expect(canTransition(statuses[i - 1] ?? null, statuses[i] ?? "REGISTERED"), `${id}: ${statuses}`).toBe(true);
        }
        const rec = records.get(id);
        expect(rec).toMatchObject({ status: "SUCCESS", ownerId: null, token: h.at(-1)?.token });
      }

      const complaints = runner
        .output()
        .split("\n")
        .filter((l) => / (WARN|ERROR) /.test(l));
      console.info(
        `${allIds.length} invocations SUCCESS; ${recovered} went through recovery; runner logged ${complaints.length} WARN/ERROR lines, e.g. ${complaints.slice(0, 3).join(" | ")}`,
      );
      // The runner lived through it and still stops cleanly.
      runner.proc.kill("SIGTERM");
      expect((await runner.exited).code).toBe(0);
    } finally {
      await retrying("purge", () => app.purge()).catch(() => undefined);
      await app.close();
      expect(await raw.keys(`nenc:{${backend.options.appId}}:*`)).toEqual([]);
    }
  }

  it("every client's connection is killed twice mid-run (data kept): all complete exactly as recorded", async () => {
    await scenario(async () => {
      for (let round = 0; round < 2; round++) {
        await raw.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        await raw.call("CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "yes");
        await new Promise((r) => setTimeout(r, 300));
      }
    });
  });

  it("the server stops answering for 2 s mid-run (CLIENT PAUSE ALL): all complete exactly as recorded", async () => {
    await scenario(async () => {
      await raw.call("CLIENT", "PAUSE", "2000", "ALL");
      await new Promise((r) => setTimeout(r, 2200));
    });
  });

  it("the server restarts mid-run keeping its data (SHUTDOWN SAVE, standard start): all complete exactly as recorded", async () => {
    await scenario(async () => {
      await stopServer(true);
      await new Promise((r) => setTimeout(r, 1000)); // an outage the clients notice
      await startStandardServer();
      if (!snapshotExisted) rmSync(SNAPSHOT, { force: true }); // loaded; don't let it come back later
    });
  });
});
