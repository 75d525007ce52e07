import type { RecordStepResult, WorkflowStep, WorkflowStore } from "../../core/contract/index.js";
import { EXECUTING_STATUSES } from "../../core/status.js";
import { toWorkflowStep } from "../sql-rows.js";
import type { PostgresHandle } from "./pool.js";

/**
 * Workflow steps and data. The invocation's status row is read FOR SHARE in the transaction
 * that writes the step: a recovery (which updates that row) cannot land in between, so a
 * runner whose work was taken cannot record a step.
 */
export class PostgresWorkflows implements WorkflowStore {
  private readonly sql: ReturnType<typeof workflowSql>;

  constructor(private readonly h: PostgresHandle) {
    this.sql = workflowSql(h.s);
  }

  async recordStep(
    step: WorkflowStep,
    token: number,
    data?: { workflowId: string; key: string; value: string },
  ): Promise<RecordStepResult> {
    return this.h.tx("recordStep", async (q) => {
      const [rec] = (await q.query(this.sql.owner, [step.invocationId])).rows as { status: string; token: string }[];
      if (!rec || Number(rec.token) !== token || !(EXECUTING_STATUSES as readonly string[]).includes(rec.status)) {
        return { outcome: "fenced", step: null } as const;
      }
      const inserted = (
        await q.query(this.sql.insert, [step.invocationId, step.stepNo, step.kind, step.name, step.value, step.at])
      ).rows;
      if (inserted.length === 0) {
        const [existing] = (await q.query(this.sql.step, [step.invocationId, step.stepNo])).rows;
        return { outcome: "exists", step: toWorkflowStep(existing as Record<string, unknown>) } as const;
      }
      if (data) await q.query(this.sql.setData, [data.workflowId, data.key, data.value]);
      return { outcome: "recorded", step } as const;
    });
  }

  async workflowSteps(invocationId: string): Promise<WorkflowStep[]> {
    return (await this.h.query<Record<string, unknown>>("workflowSteps", this.sql.steps, [invocationId])).map(
      toWorkflowStep,
    );
  }

  async workflowData(workflowId: string): Promise<Map<string, string>> {
    const rows = await this.h.query<{ key: string; value: string }>("workflowData", this.sql.data, [workflowId]);
    return new Map(rows.map((r) => [r.key, r.value]));
  }
}

function workflowSql(s: string) {
  return {
    owner: `SELECT status, token FROM ${s}.status WHERE id = $1 FOR SHARE`,
    insert: `INSERT INTO ${s}.workflow_steps (invocation_id, step_no, kind, name, value, at) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (invocation_id, step_no) DO NOTHING RETURNING step_no`,
    step: `SELECT * FROM ${s}.workflow_steps WHERE invocation_id = $1 AND step_no = $2`,
    steps: `SELECT * FROM ${s}.workflow_steps WHERE invocation_id = $1 ORDER BY step_no`,
    setData: `INSERT INTO ${s}.workflow_data (workflow_id, key, value) VALUES ($1, $2, $3)
      ON CONFLICT (workflow_id, key) DO UPDATE SET value = excluded.value`,
    data: `SELECT key, value FROM ${s}.workflow_data WHERE workflow_id = $1 ORDER BY key`,
  };
}
