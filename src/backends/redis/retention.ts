import type { FinalInvocationRetention } from "../../core/contract/index.js";
import { FINAL_STATUSES } from "../../core/status.js";
import type { RedisConnection } from "./connection.js";
import { scripts } from "./scripts.js";

/** Deletes old final invocations with their history, outcome and index entries (one Lua script). */
export class RedisRetention implements FinalInvocationRetention {
  constructor(
    private readonly conn: RedisConnection,
    private readonly p: string,
  ) {}

  async deleteFinalBefore(before: number, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const ids = await scripts().deleteFinal.json(this.conn.cmd, [
      this.p,
      JSON.stringify(FINAL_STATUSES),
      Math.round(before),
      Math.floor(limit),
    ]);
    return Array.isArray(ids) ? ids.map(String) : [];
  }
}
