import type { FinalInvocationRetention } from "../../core/contract/index.js";
import { FINAL_STATUSES } from "../../core/status.js";
import type { PostgresHandle } from "./pool.js";

/**
 * Deletes old final invocations' status rows, history and outcomes in one statement (one
 * transaction). `SKIP LOCKED`: rows another writer holds are left for the next batch.
 */
export class PostgresRetention implements FinalInvocationRetention {
  private readonly sql: string;

  constructor(private readonly h: PostgresHandle) {
    const s = h.s;
    this.sql = `WITH gone AS (
        DELETE FROM ${s}.status WHERE id IN (
          SELECT id FROM ${s}.status WHERE status = ANY($1::text[]) AND updated_at < $2
          ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id),
      h AS (DELETE FROM ${s}.history WHERE invocation_id IN (SELECT id FROM gone)),
      o AS (DELETE FROM ${s}.outcomes WHERE id IN (SELECT id FROM gone)),
      ws AS (DELETE FROM ${s}.workflow_steps WHERE invocation_id IN (SELECT id FROM gone)),
      wd AS (DELETE FROM ${s}.workflow_data WHERE workflow_id IN (SELECT id FROM gone))
      SELECT id FROM gone`;
  }

  async deleteFinalBefore(before: number, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const rows = await this.h.query<{ id: string }>("deleteFinalBefore", this.sql, [
      [...FINAL_STATUSES],
      Math.round(before),
      limit,
    ]);
    return rows.map((r) => r.id);
  }
}
