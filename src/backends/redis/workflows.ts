import type { RecordStepResult, WorkflowStep, WorkflowStore } from "../../core/contract/index.js";
import { EXECUTING_STATUSES } from "../../core/status.js";
import { CorruptRecordError } from "../../errors/index.js";
import type { RedisConnection } from "./connection.js";
import { scripts } from "./scripts.js";

/** Workflow steps (a hash per invocation) and data (a hash per workflow); workflow-step.lua fences each write. */
export class RedisWorkflows implements WorkflowStore {
  constructor(
    private readonly conn: RedisConnection,
    private readonly p: string,
  ) {}

  async recordStep(
    step: WorkflowStep,
    token: number,
    data?: { workflowId: string; key: string; value: string },
  ): Promise<RecordStepResult> {
    const reply = (await scripts().workflowStep.run(this.conn.cmd, [
      this.p,
      step.invocationId,
      step.stepNo,
      JSON.stringify(step),
      token,
      JSON.stringify(EXECUTING_STATUSES),
      data?.workflowId ?? "",
      data?.key ?? "",
      data?.value ?? "",
    ])) as string[];
    if (reply[0] === "fenced") return { outcome: "fenced", step: null };
    if (reply[0] === "exists") return { outcome: "exists", step: decodeStep(step.invocationId, reply[1] ?? "") };
    return { outcome: "recorded", step };
  }

  async workflowSteps(invocationId: string): Promise<WorkflowStep[]> {
    const all = await this.conn.cmd.hgetall(`${this.p}wf-steps:${invocationId}`);
    return Object.values(all)
      .map((raw) => decodeStep(invocationId, raw))
      .sort((a, b) => a.stepNo - b.stepNo);
  }

  async workflowData(workflowId: string): Promise<Map<string, string>> {
    const all = await this.conn.cmd.hgetall(`${this.p}wf-data:${workflowId}`);
    return new Map(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

function decodeStep(invocationId: string, raw: string): WorkflowStep {
  try {
    const s = JSON.parse(raw) as WorkflowStep;
    if (typeof s.stepNo === "number" && typeof s.kind === "string" && typeof s.value === "string") return s;
  } catch {
    // reported below
  }
  throw new CorruptRecordError(`A workflow step of ${invocationId} in Redis cannot be read; it was left as is.`);
}
