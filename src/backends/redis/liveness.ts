import { Redis } from "ioredis";
import type { NencConfig } from "../../config/schema.js";
import type { LivenessHold, LivenessProbe, RunnerContext, RunnerRecord } from "../../core/contract/index.js";
import { restartGraceMs, sessionCandidates } from "../liveness-keys.js";
import type { RedisConnection } from "./connection.js";

/**
 * Liveness on Redis: each runner keeps a connection named `nenc:<appId>:runner:<id>` (ioredis
 * names it again after every reconnect); a runner whose named connection has vanished from
 * CLIENT LIST is gone.
 */
export class RedisLiveness implements LivenessProbe {
  constructor(
    private readonly conn: RedisConnection,
    private readonly appId: string,
    private readonly config: NencConfig,
  ) {}

  private nameOf(runnerId: string): string {
    return `nenc:${this.appId}:runner:${runnerId}`;
  }

  async holdLiveness(ctx: RunnerContext): Promise<LivenessHold> {
    const client = new Redis(this.conn.settings.url, {
      connectionName: this.nameOf(ctx.id),
      connectTimeout: this.conn.settings.connectTimeoutMs,
      retryStrategy: (times: number) => Math.min(50 * times, 1000),
      maxRetriesPerRequest: null,
      lazyConnect: true,
    });
    client.on("error", () => {}); // reconnects by itself
    await client.connect().catch(() => {}); // a server down now: the reconnect loop names it later
    return { release: async () => void (await client.quit().catch(() => client.disconnect())) };
  }

  async closedSessions(candidates: readonly RunnerRecord[]): Promise<string[]> {
    const checkable = sessionCandidates(candidates);
    if (checkable.length === 0) return [];
    const replies = await this.conn.cmd.pipeline().call("CLIENT", "LIST", "TYPE", "normal").info("server").exec();
    const [listReply, infoReply] = replies ?? [];
    if (!listReply || !infoReply || listReply[0] || infoReply[0]) return [];
    const uptimeS = Number(/uptime_in_seconds:(\d+)/.exec(String(infoReply[1]))?.[1] ?? "0");
    // Every connection ended with a server restart: until runners had time to reconnect, judge nothing.
    if (uptimeS * 1000 < restartGraceMs(this.config)) return [];
    const names = new Set([...String(listReply[1]).matchAll(/ name=(\S*)/g)].map((m) => m[1]));
    return checkable.filter((r) => !names.has(this.nameOf(r.id))).map((r) => r.id);
  }
}
