import type { FinalInvocationRetention } from "../../core/contract/index.js";
import { isFinal } from "../../core/status.js";
import type { MemoryStore } from "./store.js";

/** Deletes old final invocations' statuses, history and outcomes (one synchronous step: atomic). */
export class MemRetention implements FinalInvocationRetention {
  constructor(private readonly store: MemoryStore) {}

  async deleteFinalBefore(before: number, limit: number): Promise<string[]> {
    const old = [...this.store.statuses.values()]
      .filter((s) => isFinal(s.status) && s.updatedAt < before)
      .sort((a, b) => a.updatedAt - b.updatedAt)
      .slice(0, Math.max(0, limit))
      .map((s) => s.id);
    for (const id of old) {
      this.store.statuses.delete(id);
      this.store.history.delete(id);
      this.store.outcomes.delete(id);
      this.store.workflowSteps.delete(id);
      this.store.workflowData.delete(id); // a workflow's data goes with its root (id = workflow id)
    }
    return old;
  }
}
