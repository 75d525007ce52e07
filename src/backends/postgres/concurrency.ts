import { groupScopeUsage, SCOPE_MEMBER_STATUSES } from "../../core/concurrency.js";
import type { ConcurrencyControlStore, ScopeUsage } from "../../core/contract/index.js";
import { FINAL_STATUSES, isStatus } from "../../core/status.js";
import type { PostgresHandle } from "./pool.js";

/** Reads of concurrency state (the writes are in PostgresInvocationStatus, under advisory locks). */
export class PostgresConcurrency implements ConcurrencyControlStore {
  constructor(private readonly h: PostgresHandle) {}

  async registrationHolder(scope: string): Promise<string | null> {
    const [row] = await this.h.query<{ id: string }>(
      "registrationHolder",
      `SELECT id FROM ${this.h.s}.status WHERE reg_scope = $1 AND status <> ALL($2::text[]) LIMIT 1`,
      [scope, FINAL_STATUSES],
    );
    return row?.id ?? null;
  }

  async scopeUsage(): Promise<ScopeUsage[]> {
    const rows = await this.h.query<Record<string, unknown>>(
      "scopeUsage",
      `SELECT id, task_id, run_scope, run_limit, status, wait_seq FROM ${this.h.s}.status
        WHERE run_scope IS NOT NULL AND status = ANY($1::text[])`,
      [SCOPE_MEMBER_STATUSES],
    );
    return groupScopeUsage(
      rows.flatMap((r) =>
        isStatus(r.status)
          ? [
              {
                id: String(r.id),
                taskId: String(r.task_id),
                scope: String(r.run_scope),
                limit: Number(r.run_limit),
                status: r.status,
                waitSeq: Number(r.wait_seq ?? 0),
              },
            ]
          : [],
      ),
    );
  }
}
