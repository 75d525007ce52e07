/**
 * Redis-specific checks beyond the shared conformance suite: the Lua transition agrees with
 * decideTransition on every case, undecodable rows throw CorruptRecordError, start-up errors
 * name the URL without its password, and clients recover from dropped connections.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { scripts } from "../../src/backends/redis/scripts.js";
import { closeComponents, createComponents } from "../../src/backends/registry.js";
import { defaultConfig, type NencConfig } from "../../src/config/schema.js";
import type { Components, NextWork, TransitionRequest } from "../../src/core/contract/index.js";
import { CLAIMABLE_STATUSES, decideTransition, STATUSES, type Status } from "../../src/core/status.js";
import { BackendError, CorruptRecordError } from "../../src/errors/index.js";
import { testAppId } from "../helpers/backends.js";
import { claimWhenHeard } from "../helpers/claims.js";
import { REDIS_TEST_URL } from "../helpers/redis.js";
import { requireServer } from "../helpers/servers.js";

const available = await requireServer("redis");

describe.skipIf(!available)("redis backend specifics", () => {
  let appId: string;
  let config: NencConfig;
  let c: Components | null = null;
  let raw: Redis;

  beforeAll(() => {
    raw = new Redis(REDIS_TEST_URL);
  });
  afterAll(async () => {
    await raw.quit();
  });

  const open = async (): Promise<Components> => {
    appId = testAppId("rdb");
    config = { ...defaultConfig(), appId, backend: "redis", redisUrl: REDIS_TEST_URL };
    c = await createComponents(config);
    return c;
  };

  /**
   * Ms until `c`'s wait for work (5 s timeout) wakes, with id "x" routed after `afterMs` by a
   * second set of clients (different settings, so not shared): a route from "elsewhere".
   */
  const wokenByRouteElsewhere = async (c: Components, afterMs: number, after?: NextWork): Promise<number> => {
    const other = await createComponents({ ...config, redisConnectTimeoutMs: 3000 });
    try {
      const started = Date.now();
      const waiting = c.broker.waitForWork(5000, [], after);
      setTimeout(() => void other.broker.route([{ id: "x" }]), afterMs);
      await waiting;
      return Date.now() - started;
    } finally {
      await closeComponents(other);
    }
  };

  afterEach(async () => {
    if (!c) return;
    await Promise.all([c.orchestrator.purge(), c.broker.purge(), c.stateBackend.purge()]);
    await closeComponents(c);
    c = null;
    expect(await raw.keys(`nenc:{${appId}}:*`)).toEqual([]);
  });

  it("the Lua transition decides exactly as decideTransition, for every from/to/owner/token/expectFrom case", async () => {
    const c = await open();
    const prefix = `nenc:{${appId}}:o:`;
    type Case = { from: Status; owner: string | null; req: TransitionRequest };
    const cases: Case[] = [];
    const TOKEN = 7;
    for (const from of STATUSES)
      for (const to of STATUSES)
        for (const owner of ["A", null])
          for (const runnerId of ["A", "B", null])
            for (const token of [TOKEN, TOKEN - 1, undefined])
              for (const expectFrom of [undefined, [from], [from === "PENDING" ? "RUNNING" : "PENDING"] as Status[]]) {
                cases.push({ from, owner, req: { id: randomUUID(), to, runnerId, token, expectFrom } });
              }
    const pipe = raw.pipeline();
    for (const k of cases) {
      pipe.hset(`${prefix}inv:${k.req.id}`, {
        task: "t",
        status: k.from,
        owner: k.owner ?? "",
        token: TOKEN,
        retries: 0,
        updated: 1,
        hlen: 1,
      });
    }
    await pipe.exec();
    const results = await c.orchestrator.transition(cases.map((k) => k.req));
    expect(results).toHaveLength(cases.length);
    let accepted = 0;
    cases.forEach((k, i) => {
      const want = decideTransition({ status: k.from, ownerId: k.owner, token: TOKEN }, k.req);
      const got = results[i];
      const label = JSON.stringify({ from: k.from, owner: k.owner, ...k.req, id: undefined });
      if (want.ok) {
        accepted++;
        expect(got, label).toMatchObject({
          ok: true,
          from: k.from,
          to: want.next.status,
          ownerId: want.next.ownerId,
          token: want.next.token,
        });
      } else {
        expect(got, label).toMatchObject({ ok: false, reason: want.reason, current: k.from });
      }
    });
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(cases.length);
  });

  it("a transition or claim re-sent with the same call id (reply lost with its connection) replays its reply", async () => {
    const c = await open();
    const o = `nenc:{${appId}}:o:`;
    const b = `nenc:{${appId}}:b:`;
    const inv = { id: randomUUID(), taskId: "t", args: "[]", parentId: null, workflowId: "w", createdAt: Date.now() };
    await c.orchestrator.register([inv]);
    await c.broker.route([{ id: inv.id }, { id: "other" }]);
    const claim = [b, 1, "call-1"];
    const first = await scripts().claim.json(raw, claim);
    expect(await scripts().claim.json(raw, claim)).toEqual(first);
    expect(await c.broker.claim(5)).toEqual(["other"]);
    const args = [o, JSON.stringify([{ id: inv.id, to: "PENDING", r: "r1", e: ["REGISTERED"] }]), "call-2"];
    const once = await scripts().transition.json(raw, args);
    expect(await scripts().transition.json(raw, args)).toEqual(once);
    expect(once).toEqual({ results: [[1, "REGISTERED", "PENDING", 1, "r1", 0, 0]] }); // ..., retries, attempts
    expect((await c.orchestrator.history(inv.id)).map((h) => h.status)).toEqual(["REGISTERED", "PENDING"]);
  });

  it("a claim-and-start re-sent with the same call id replays its reply, with the started invocations' data", async () => {
    const c = await open();
    const o = `nenc:{${appId}}:o:`;
    const b = `nenc:{${appId}}:b:`;
    const s = `nenc:{${appId}}:s:`;
    const inv = { id: randomUUID(), taskId: "t", args: "[1]", parentId: null, workflowId: "w", createdAt: Date.now() };
    await c.stateBackend.saveInvocations([inv]);
    await c.orchestrator.register([inv]);
    await c.broker.route([{ id: inv.id }]);
    const args = [b, 5, "call-3", "[]", o, s, "r1", JSON.stringify(["REGISTERED"])];
    const first = (await scripts().claimStart.run(raw, args)) as string[];
    expect(JSON.parse(first[0] as string)).toEqual({
      ids: [inv.id],
      results: [[1, "REGISTERED", "RUNNING", 1, "r1", 0, 1]],
      // Fewer taken than asked: nothing else is queued (no delayed id either).
      next: -1,
    });
    expect(first.slice(1, 2)).toEqual([inv.id]);
    expect(JSON.parse(first[2] as string)).toMatchObject({ id: inv.id, args: "[1]" });
    expect(await scripts().claimStart.run(raw, args)).toEqual(first);
    expect((await c.orchestrator.history(inv.id)).map((h) => h.status)).toEqual(["REGISTERED", "PENDING", "RUNNING"]);
  });

  it("a delayed id becomes claimable when due (server clock) and a waiting runner wakes for it", async () => {
    const c = await open();
    await c.broker.route([{ id: "later", availableAt: Date.now() + 400 }]);
    expect(await c.broker.claim(5)).toEqual([]);
    expect(await c.broker.queued(["later"])).toEqual(new Set(["later"]));
    const started = Date.now();
    await c.broker.waitForWork(5000);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2000);
    expect(await c.broker.claim(5)).toEqual(["later"]);
    expect(await c.broker.depth()).toBe(0);
  });

  /** A status row written straight into Redis, as an earlier version or a corruption left it. */
  async function writeRow(id: string, fields: { status: string; token: number; hlen: number }): Promise<void> {
    await raw.hset(`nenc:{${appId}}:o:inv:${id}`, { task: "t", owner: "", retries: 0, updated: 1, ...fields });
  }

  it("a final row from before the outcome moved into the row keeps its outcome readable, and deleting it removes it", async () => {
    const c = await open();
    const o = `nenc:{${appId}}:o:`;
    // The layout of versions before f5b20d8: the outcome in an out:<id> hash of its own.
    await writeRow("old", { status: "SUCCESS", token: 1, hlen: 0 });
    await raw.zadd(`${o}by-status:SUCCESS`, 1, "old");
    await raw.hset(`${o}out:old`, { kind: "result", value: "42" });
    expect(await c.orchestrator.getOutcome("old")).toEqual({ kind: "result", value: "42" });
    expect((await c.orchestrator.getSettled(["old"])).get("old")?.outcome).toEqual({ kind: "result", value: "42" });
    expect(await c.orchestrator.deleteFinalBefore(2, 10)).toEqual(["old"]);
    expect(await raw.exists(`${o}out:old`, `${o}inv:old`)).toBe(0);
  });

  it("the history index files a script's entries of one time together; deleting invocations takes theirs out", async () => {
    const c = await open();
    const key = `nenc:{${appId}}:o:hist-at`;
    const at = Date.now() - 60_000;
    const list = ["a", "b", "c", "d"].map((n) => {
      const id = `${n}-${randomUUID()}`;
      return { id, taskId: "t", args: "[]", parentId: null, workflowId: id, createdAt: at };
    });
    await c.orchestrator.register(list);
    const done = list.slice(0, 2);
    const run = await c.orchestrator.transition(
      done.map((i) => ({ id: i.id, to: "PENDING", runnerId: "r", andThen: "RUNNING" })),
    );
    await c.orchestrator.transition(
      done.map((i, n) => ({
        id: i.id,
        to: "SUCCESS",
        runnerId: "r",
        token: run[n]?.ok ? run[n].token : -1,
        outcome: { kind: "result", value: "1" },
      })),
    );
    const refs = async () => (await raw.zrange(key, "0", "-1")).map((m) => m.split(","));
    // One member per script and time: the registration, the claim (PENDING and RUNNING), the completion.
    expect((await refs()).map((m) => m.length)).toEqual([4, 4, 2]);
    expect((await c.orchestrator.deleteFinalBefore(Date.now() + 1000, 10)).sort()).toEqual(
      done.map((i) => i.id).sort(),
    );
    // The registration's member lost the deleted two; the claim's and completion's went.
    const left = (await refs()).flat();
    expect(left.sort()).toEqual(
      list
        .slice(2)
        .map((i) => `0000000001#${i.id}`)
        .sort(),
    );
    expect((await c.orchestrator.historyBetween(0, Date.now() + 1000, 100)).map((h) => h.invocationId).sort()).toEqual(
      list
        .slice(2)
        .map((i) => i.id)
        .sort(),
    );
  });

  it("rows that cannot be decoded throw CorruptRecordError and are left as is", async () => {
    const c = await open();
    const o = `nenc:{${appId}}:o:`;
    const s = `nenc:{${appId}}:s:`;
    await writeRow("bad", { status: "EXPLODED", token: 0, hlen: 1 });
    await expect(c.orchestrator.getStatuses(["bad"])).rejects.toBeInstanceOf(CorruptRecordError);
    await expect(c.orchestrator.transition([{ id: "bad", to: "PENDING", runnerId: "r" }])).rejects.toBeInstanceOf(
      CorruptRecordError,
    );
    expect(await raw.hget(`${o}inv:bad`, "status")).toBe("EXPLODED");
    await raw.rpush(`${o}hist:bad`, "{not json");
    await expect(c.orchestrator.history("bad")).rejects.toBeInstanceOf(CorruptRecordError);
    await raw.hset(`${o}inv:bad`, { kind: "error", value: "nope" });
    await expect(c.orchestrator.getOutcome("bad")).rejects.toBeInstanceOf(CorruptRecordError);
    await raw.set(`${s}inv:bad`, JSON.stringify({ id: "bad", taskId: 3 }));
    await expect(c.stateBackend.getInvocations(["bad"])).rejects.toBeInstanceOf(CorruptRecordError);
  });

  it("a refused connection fails init() with a BackendError naming the URL without its password", async () => {
    const cfg = {
      ...defaultConfig(),
      appId: testAppId("rdb"),
      backend: "redis" as const,
      redisUrl: "redis://nenc:s3cret@127.0.0.1:1/0",
      redisConnectTimeoutMs: 2000,
    };
    const started = Date.now();
    const err = await createComponents(cfg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    const message = (err as BackendError).message;
    expect(message).toContain("127.0.0.1:1");
    expect(message).not.toContain("s3cret");
    expect(message).toMatch(/Cannot connect to Redis/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a URL that is not a redis:// URL is a BackendError at start-up", async () => {
    for (const redisUrl of ["localhost:6379", "http://user:pw@127.0.0.1:6379"]) {
      const err = await createComponents({
        ...defaultConfig(),
        appId: testAppId("rdb"),
        backend: "redis",
        redisUrl,
      }).catch((e: unknown) => e);
      expect(err, redisUrl).toBeInstanceOf(BackendError);
      expect((err as BackendError).message).not.toContain(":pw@");
    }
  });

  it("wake-up channels are subscribed on first use: a process that only registers is sent none", async () => {
    const c = await open();
    const work = `nenc:{${appId}}:b:work`;
    const changed = `nenc:{${appId}}:o:changed`;
    const subscribers = async () => {
      const reply = (await raw.call("PUBSUB", "NUMSUB", work, changed)) as (string | number)[];
      return { work: Number(reply[1]), changed: Number(reply[3]) };
    };
    const inv = { id: randomUUID(), taskId: "t", args: "[]", parentId: null, workflowId: "w", createdAt: Date.now() };
    await c.stateBackend.saveInvocations([inv]);
    await c.orchestrator.register([inv]);
    await c.broker.route([{ id: inv.id }]);
    expect(await subscribers()).toEqual({ work: 0, changed: 0 });
    // A runner's wait for work subscribes the work channel, and a route from elsewhere wakes it.
    expect(await c.broker.claim(5)).toEqual([inv.id]);
    const waited = await wokenByRouteElsewhere(c, 200);
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(3000);
    expect(await subscribers()).toEqual({ work: 1, changed: 0 });
    // A wait for changes (result waiters) subscribes the change channel.
    await c.orchestrator.waitForChange([], 50);
    expect(await subscribers()).toEqual({ work: 1, changed: 1 });
  });

  // What such a wait wakes for is a conformance case; here, that it runs no script of its own.
  it("a runner's wait after a claim that found the queues empty does not look again", async () => {
    const c = await open();
    // Before the work channel is subscribed, a claim says nothing of what it saw (nothing to trust).
    expect((await c.claimer?.claimAndStart(5, ["default"], "r1", CLAIMABLE_STATUSES))?.next).toBeUndefined();
    const { claim, empty } = await claimWhenHeard(c);
    expect(empty.ids).toEqual([]);
    expect(empty.next?.inMs).toBe(-1);
    // The wait does not look at the queues again (next-work.lua), and a route still wakes it.
    const look = vi.spyOn(scripts().nextWork, "run");
    try {
      const waited = await wokenByRouteElsewhere(c, 200, empty.next);
      expect(waited).toBeGreaterThanOrEqual(150);
      expect(waited).toBeLessThan(3000);
      expect(look).not.toHaveBeenCalled();
    } finally {
      look.mockRestore();
    }
    expect((await claim()).ids).toEqual(["x"]);
  });

  it("a process is told what became of the invocations it noted, and cannot vouch once its subscriber dropped", async () => {
    const c = await open();
    const inv = () => {
      const id = randomUUID();
      return { id, taskId: "t", args: "[]", parentId: null, workflowId: id, createdAt: Date.now() };
    };
    // Before the change channel is subscribed there is nothing to vouch for: the waiter reads.
    const early = inv();
    c.orchestrator.noteFinals([early.id]);
    expect(c.orchestrator.heardFinal(early.id)).toBeNull();
    await c.orchestrator.waitForChange([], 50);
    const [done, large, running, dropped] = [inv(), inv(), inv(), inv()];
    c.orchestrator.noteFinals([done, large, running, dropped].map((i) => i.id));
    await c.registrar?.registerAndRoute([done, large, running, dropped], []);
    const start = async (id: string) => {
      const [p] = await c.orchestrator.transition([{ id, to: "PENDING", runnerId: "r", andThen: "RUNNING" }]);
      return p?.ok ? p.token : -1;
    };
    const succeed = async (id: string, value: string) => {
      const token = await start(id);
      await c.orchestrator.transition([
        { id, to: "SUCCESS", runnerId: "r", token, outcome: { kind: "result", value } },
      ]);
    };
    await succeed(done.id, "7");
    // An outcome too large to announce: told final, without it.
    await succeed(large.id, JSON.stringify("x".repeat(5000)));
    await start(running.id);
    await new Promise((r) => setTimeout(r, 200)); // the announcements arrive
    expect(c.orchestrator.heardFinal(done.id)).toEqual({
      id: done.id,
      status: "SUCCESS",
      outcome: { kind: "result", value: "7" },
    });
    expect(c.orchestrator.heardFinal(large.id)).toEqual({ id: large.id, status: "SUCCESS" });
    expect(c.orchestrator.heardFinal(running.id)).toBe("pending");
    // A subscriber that dropped may have missed announcements: nothing to vouch for.
    const list = String(await raw.client("LIST"));
    const sub = list.split("\n").find((l) => l.includes(` name=nenc:${appId} `) && / sub=[1-9]/.test(l));
    const subId = sub ? /(?:^| )id=(\d+)/.exec(sub)?.[1] : undefined;
    expect(subId).toBeDefined();
    await raw.client("KILL", "ID", String(subId));
    await new Promise((r) => setTimeout(r, 300));
    expect(c.orchestrator.heardFinal(dropped.id)).toBeNull();
  });

  it("clients whose connections are killed reconnect: commands, scripts and wake-ups work again", async () => {
    const c = await open();
    const killOurClients = async () => {
      const list = await raw.client("LIST");
      const ids = String(list)
        .split("\n")
        .filter((line) => line.includes(` name=nenc:${appId} `))
        .map((line) => /(?:^| )id=(\d+)/.exec(line)?.[1])
        .filter((id): id is string => id !== undefined);
      expect(ids.length).toBe(2); // the command client and the subscriber
      for (const id of ids) await raw.client("KILL", "ID", id);
    };
    const inv = { id: randomUUID(), taskId: "t", args: "[]", parentId: null, workflowId: "w", createdAt: Date.now() };
    await c.stateBackend.saveInvocations([inv]);
    await c.orchestrator.register([inv]);
    // Channels are subscribed on first use: wait once so the work channel's subscription exists
    // before the drop (the subscriber must subscribe to it again by itself).
    await c.broker.waitForWork(50);
    await killOurClients();
    // A command issued right after the drop may fail (callers retry); one shortly after succeeds.
    let statuses: Awaited<ReturnType<typeof c.orchestrator.getStatuses>> | null = null;
    for (let i = 0; i < 50 && !statuses; i++) {
      statuses = await c.orchestrator.getStatuses([inv.id]).catch(() => null);
      if (!statuses) await new Promise((r) => setTimeout(r, 100));
    }
    expect(statuses?.get(inv.id)?.status).toBe("REGISTERED");
    // Server-side script cache flushed too: EVALSHA falls back to EVAL.
    await raw.script("FLUSH");
    const [p] = await c.orchestrator.transition([{ id: inv.id, to: "PENDING", runnerId: "r" }]);
    expect(p?.ok).toBe(true);
    // The subscriber resubscribed: a route from elsewhere wakes a waiter well before its timeout.
    await new Promise((r) => setTimeout(r, 300));
    expect(await wokenByRouteElsewhere(c, 100)).toBeLessThan(3000);
    expect(await c.broker.claim(5)).toEqual(["x"]);
  });
});
