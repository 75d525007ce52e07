import type { Database } from "better-sqlite3";
import type { FinalInvocationRetention } from "../../core/contract/index.js";
import { FINAL_STATUSES } from "../../core/status.js";

/** Deletes old final invocations' status rows, history and outcomes in one transaction. */
export class SQLiteRetention implements FinalInvocationRetention {
  private readonly sql: ReturnType<typeof retentionStatements>;

  constructor(
    private readonly db: Database,
    p: string,
  ) {
    this.sql = retentionStatements(db, p);
  }

  async deleteFinalBefore(before: number, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    return this.db
      .transaction(() => {
        const ids = (this.sql.old.all(JSON.stringify(FINAL_STATUSES), before, limit) as { id: string }[]).map(
          (r) => r.id,
        );
        const list = JSON.stringify(ids);
        const { status, history, outcomes, steps, data } = this.sql;
        for (const stmt of [status, history, outcomes, steps, data]) stmt.run(list);
        return ids;
      })
      .immediate();
  }
}

function retentionStatements(db: Database, p: string) {
  const inList = "IN (SELECT value FROM json_each(?))";
  return {
    old: db.prepare(
      `SELECT id FROM ${p}status WHERE status IN (SELECT value FROM json_each(?)) AND updated_at < ? ORDER BY updated_at LIMIT ?`,
    ),
    status: db.prepare(`DELETE FROM ${p}status WHERE id ${inList}`),
    history: db.prepare(`DELETE FROM ${p}history WHERE invocation_id ${inList}`),
    outcomes: db.prepare(`DELETE FROM ${p}outcomes WHERE id ${inList}`),
    // A workflow's steps go with it; its data with the workflow's root (whose id is the workflow id).
    steps: db.prepare(`DELETE FROM ${p}workflow_steps WHERE invocation_id ${inList}`),
    data: db.prepare(`DELETE FROM ${p}workflow_data WHERE workflow_id ${inList}`),
  };
}
