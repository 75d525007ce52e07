import type { Database } from "better-sqlite3";
import { groupScopeUsage, SCOPE_MEMBER_STATUSES } from "../../core/concurrency.js";
import type { ConcurrencyControlStore, ScopeUsage } from "../../core/contract/index.js";
import { FINAL_STATUSES, isStatus } from "../../core/status.js";

/** Reads of concurrency state (the writes are in SQLiteInvocationStatus, under the write lock). */
export class SQLiteConcurrency implements ConcurrencyControlStore {
  private readonly holder;
  private readonly members;

  constructor(db: Database, p: string) {
    this.holder = db.prepare(
      `SELECT id FROM ${p}status WHERE reg_scope = ? AND status NOT IN (SELECT value FROM json_each(?)) LIMIT 1`,
    );
    this.members = db.prepare(
      `SELECT id, task_id, run_scope, run_limit, status, wait_seq FROM ${p}status WHERE run_scope IS NOT NULL AND status IN (SELECT value FROM json_each(?))`,
    );
  }

  async registrationHolder(scope: string): Promise<string | null> {
    const row = this.holder.get(scope, JSON.stringify(FINAL_STATUSES)) as { id: string } | undefined;
    return row?.id ?? null;
  }

  async scopeUsage(): Promise<ScopeUsage[]> {
    const rows = this.members.all(JSON.stringify(SCOPE_MEMBER_STATUSES)) as Record<string, unknown>[];
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
