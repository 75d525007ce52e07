import type { RecordStepResult, WorkflowStep, WorkflowStore } from "../../core/contract/index.js";
import { EXECUTING_STATUSES } from "../../core/status.js";
import { toWorkflowStep } from "../sql-rows.js";
import type { SqliteDatabase } from "./database.js";

/** Workflow steps and data; the fencing check and the write are one transaction under SQLite's write lock. */
export class SQLiteWorkflows implements WorkflowStore {
  private readonly sql: ReturnType<typeof workflowStatements>;

  constructor(
    private readonly handle: SqliteDatabase,
    p: string,
  ) {
    this.sql = workflowStatements(handle, p);
  }

  async recordStep(
    step: WorkflowStep,
    token: number,
    data?: { workflowId: string; key: string; value: string },
  ): Promise<RecordStepResult> {
    return this.handle.db
      .transaction((): RecordStepResult => {
        const rec = this.sql.owner.get(step.invocationId) as { status: string; token: number } | undefined;
        if (!rec || rec.token !== token || !(EXECUTING_STATUSES as readonly string[]).includes(rec.status)) {
          return { outcome: "fenced", step: null };
        }
        const existing = this.sql.step.get(step.invocationId, step.stepNo) as Record<string, unknown> | undefined;
        if (existing) return { outcome: "exists", step: toWorkflowStep(existing) };
        this.sql.insert.run(step.invocationId, step.stepNo, step.kind, step.name, step.value, step.at);
        if (data) this.sql.setData.run(data.workflowId, data.key, data.value);
        return { outcome: "recorded", step };
      })
      .immediate();
  }

  async workflowSteps(invocationId: string): Promise<WorkflowStep[]> {
    return (this.sql.steps.all(invocationId) as Record<string, unknown>[]).map(toWorkflowStep);
  }

  async workflowData(workflowId: string): Promise<Map<string, string>> {
    const rows = this.sql.data.all(workflowId) as { key: string; value: string }[];
    return new Map(rows.map((r) => [r.key, r.value]));
  }
}

function workflowStatements(handle: SqliteDatabase, p: string) {
  const db = handle.db;
  return {
    owner: db.prepare(`SELECT status, token FROM ${p}status WHERE id = ?`),
    step: db.prepare(`SELECT * FROM ${p}workflow_steps WHERE invocation_id = ? AND step_no = ?`),
    steps: db.prepare(`SELECT * FROM ${p}workflow_steps WHERE invocation_id = ? ORDER BY step_no`),
    insert: db.prepare(
      `INSERT INTO ${p}workflow_steps (invocation_id, step_no, kind, name, value, at) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    setData: db.prepare(
      `INSERT INTO ${p}workflow_data (workflow_id, key, value) VALUES (?, ?, ?) ON CONFLICT (workflow_id, key) DO UPDATE SET value = excluded.value`,
    ),
    data: db.prepare(`SELECT key, value FROM ${p}workflow_data WHERE workflow_id = ? ORDER BY key`),
  };
}
