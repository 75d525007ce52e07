import { randomUUID } from "node:crypto";
import type { Broker, NextWork, RouteRequest } from "../../core/contract/index.js";
import { DEFAULT_QUEUE } from "../../core/priorities.js";
import { sleepOr } from "../../core/sleep.js";
import type { RedisConnection } from "./connection.js";
import { REDIS_CAPABILITIES } from "./orchestrator.js";
import { deleteByPrefix } from "./purge.js";
import { scripts } from "./scripts.js";

/** Priorities are clamped to this range so that -priority * 1e10 + seq stays an exact double. */
export const MAX_PRIORITY = 100_000;

function clampPriority(p: number | undefined): number {
  if (p === undefined || !Number.isFinite(p)) return 0;
  return Math.max(-MAX_PRIORITY, Math.min(MAX_PRIORITY, Math.trunc(p)));
}

/**
 * One route request as enqueue.lua takes it: [id, priority, delayMs, queue]. availableAt is on
 * the caller's clock (`now`): the delay is sent, and the server adds it to its own time.
 */
export function routeEntry(r: RouteRequest, now: number): [string, number, number, string] {
  const delay = r.availableAt === undefined ? 0 : Math.max(0, Math.round(r.availableAt - now));
  return [r.id, clampPriority(r.priority), delay, r.queue ?? DEFAULT_QUEUE];
}

/**
 * Queues on Redis: a "ready:<queue>" sorted set per queue ordered by priority then arrival, a "delayed" set
 * ordered by due time (server clock), and a hash of every queued id. route.lua and claim.lua
 * are atomic, so concurrent claimers never receive the same id. Runners wait for a pub/sub
 * message published by route.lua (or until the earliest delayed id is due).
 */
export class RedisBroker implements Broker {
  readonly capabilities = REDIS_CAPABILITIES;
  private readonly p: string;

  constructor(readonly conn: RedisConnection) {
    this.p = conn.keys.broker;
  }

  init(): Promise<void> {
    return this.conn.ready();
  }

  async route(requests: readonly RouteRequest[]): Promise<void> {
    if (requests.length === 0) return;
    const now = Date.now();
    const list = requests.map((r) => routeEntry(r, now));
    await scripts().route.run(this.conn.cmd, [this.p, JSON.stringify(list)]);
  }

  async claim(max: number, queues: readonly string[] = []): Promise<string[]> {
    if (max <= 0) return [];
    const ids = await scripts().claim.json(this.conn.cmd, [
      this.p,
      Math.floor(max),
      randomUUID(),
      JSON.stringify(queues),
    ]);
    return Array.isArray(ids) ? ids.map(String) : [];
  }

  async queued(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const scores = await this.conn.cmd.hmget(`${this.p}queued`, ...ids);
    return new Set(ids.filter((_, i) => scores[i] !== null && scores[i] !== undefined));
  }

  async depth(): Promise<number> {
    return this.conn.cmd.hlen(`${this.p}queued`);
  }

  async waitForWork(timeoutMs: number, queues: readonly string[] = [], after?: NextWork): Promise<void> {
    // Listen first, then look: a route between the two still wakes us.
    const channel = this.conn.keys.workChannel;
    const { woken, cancel, subscribed } = this.conn.listen(channel);
    try {
      // When the claim just made looked, with the subscription up, and no route has been
      // announced since, every later route wakes us: no second look.
      let next: number;
      if (after && after.mark === this.conn.mark(channel)) next = after.inMs;
      else {
        await subscribed.catch(() => {}); // not subscribed (closing): the look below still answers
        next = Number(await scripts().nextWork.run(this.conn.cmd, [this.p, JSON.stringify(queues)]));
      }
      if (next === 0) return;
      await sleepOr(woken, next > 0 ? Math.min(timeoutMs, next) : timeoutMs);
    } finally {
      cancel();
    }
  }

  async purge(): Promise<void> {
    await deleteByPrefix(this.conn.cmd, this.p);
  }

  async close(): Promise<void> {
    await this.conn.release();
  }
}
