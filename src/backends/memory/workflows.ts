import type { RecordStepResult, WorkflowStep, WorkflowStore } from "../../core/contract/index.js";
import { EXECUTING_STATUSES } from "../../core/status.js";
import type { MemoryStore } from "./store.js";

/** Workflow steps and data in process memory; a step is recorded only under the current token. */
export class MemWorkflows implements WorkflowStore {
  constructor(private readonly store: MemoryStore) {}

  async recordStep(
    step: WorkflowStep,
    token: number,
    data?: { workflowId: string; key: string; value: string },
  ): Promise<RecordStepResult> {
    const rec = this.store.statuses.get(step.invocationId);
    if (!rec || rec.token !== token || !EXECUTING_STATUSES.includes(rec.status))
      return { outcome: "fenced", step: null };
    const steps = this.store.workflowSteps.get(step.invocationId) ?? new Map<number, WorkflowStep>();
    const existing = steps.get(step.stepNo);
    if (existing) return { outcome: "exists", step: { ...existing } };
    steps.set(step.stepNo, { ...step });
    this.store.workflowSteps.set(step.invocationId, steps);
    if (data) {
      const kv = this.store.workflowData.get(data.workflowId) ?? new Map<string, string>();
      kv.set(data.key, data.value);
      this.store.workflowData.set(data.workflowId, kv);
    }
    return { outcome: "recorded", step: { ...step } };
  }

  async workflowSteps(invocationId: string): Promise<WorkflowStep[]> {
    const steps = this.store.workflowSteps.get(invocationId);
    return steps ? [...steps.values()].sort((a, b) => a.stepNo - b.stepNo).map((s) => ({ ...s })) : [];
  }

  async workflowData(workflowId: string): Promise<Map<string, string>> {
    return new Map(this.store.workflowData.get(workflowId) ?? []);
  }
}
