import type { Orchestrator, StateBackend } from "../core/contract/index.js";
import type { Logger } from "../core/logger.js";

export interface RetentionDeps {
  orchestrator: Orchestrator;
  stateBackend: StateBackend;
  logger: Logger;
}

export interface RetentionLimits {
  /** Invocations deleted per batch (one transaction or script each). */
  batchSize: number;
  /** Batches per pass at most; the next pass goes on. */
  maxBatches: number;
}

export const RETENTION_LIMITS: RetentionLimits = { batchSize: 500, maxBatches: 20 };

/**
 * Delete invocations in a final status last updated before `before`, in bounded batches: the
 * orchestrator deletes a batch's statuses, history and outcomes atomically and names them,
 * then the state backend deletes their data and log lines. Returns how many were deleted.
 * A crash between the two steps leaves one batch's data rows without a status (harmless; `purge`
 * removes them).
 */
export async function deleteOldInvocations(
  deps: RetentionDeps,
  before: number,
  limits: RetentionLimits = RETENTION_LIMITS,
): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < limits.maxBatches; batch++) {
    const ids = await deps.orchestrator.deleteFinalBefore(before, limits.batchSize);
    await deps.stateBackend.deleteInvocations(ids);
    total += ids.length;
    if (ids.length < limits.batchSize) break;
    await new Promise((r) => setImmediate(r));
  }
  if (total > 0) {
    deps.logger.info(
      { component: "retention", deleted: total, before },
      `retention: deleted ${total} final invocations last updated before ${new Date(before).toISOString()}`,
    );
  }
  return total;
}
