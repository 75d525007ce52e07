import type { ConcurrencyControlStore, ScopeUsage } from "../../core/contract/index.js";
import { isFinal, isStatus } from "../../core/status.js";
import type { RedisConnection } from "./connection.js";
import { values } from "./pipeline.js";

/**
 * Reads of concurrency state, from the sets register.lua and transition.lua keep (see
 * track_concurrency in scripts/lib.lua): `scopes`, `slots:<scope>`, `waiters:<scope>`, `reg:<scope>`.
 */
export class RedisConcurrency implements ConcurrencyControlStore {
  constructor(
    private readonly conn: RedisConnection,
    private readonly p: string,
  ) {}

  async registrationHolder(scope: string): Promise<string | null> {
    const id = await this.conn.cmd.get(`${this.p}reg:${scope}`);
    if (!id) return null;
    const status = await this.conn.cmd.hget(`${this.p}inv:${id}`, "status");
    return isStatus(status) && !isFinal(status) ? id : null;
  }

  async scopeUsage(): Promise<ScopeUsage[]> {
    const scopes = Object.entries(await this.conn.cmd.hgetall(`${this.p}scopes`));
    if (scopes.length === 0) return [];
    const pipe = this.conn.cmd.pipeline();
    for (const [scope] of scopes) {
      pipe.smembers(`${this.p}slots:${scope}`);
      pipe.zrange(`${this.p}waiters:${scope}`, "0", "-1");
    }
    const replies = values<string[]>(await pipe.exec());
    return scopes.map(([scope, info], i) => {
      const [taskId = "", limit = "0"] = info.split("\t");
      return {
        scope,
        taskId,
        limit: Number(limit),
        holders: replies[2 * i] ?? [],
        waiters: replies[2 * i + 1] ?? [],
      };
    });
  }
}
