import type { Orchestrator, StatusRecord, TransitionRequest, TransitionResult } from "../../core/contract/index.js";
import type { Logger } from "../../core/logger.js";
import { OWNED_STATUSES } from "../../core/status.js";
import { CorruptRecordError } from "../../errors/index.js";

/** How often a runner looks for invocations it owns but does not run, and how old they must be. */
export const STRAY_CHECK_MS = 10_000;

interface ClaimDeps {
  orchestrator: Orchestrator;
  logger: Logger;
}

/**
 * The claim transitions of a batch. A corrupt status row fails the whole batch, with nothing
 * of it applied (every engine refuses to decide on a row it cannot read): the batch is then
 * claimed one by one, so only that invocation is left out, logged and left as it is (not
 * queued again), and the others start now instead of waiting for the lost-delivery pass.
 */
export async function claimTransitions(deps: ClaimDeps, requests: TransitionRequest[]): Promise<TransitionResult[]> {
  try {
    return await deps.orchestrator.transition(requests);
  } catch (err) {
    if (!(err instanceof CorruptRecordError)) throw err;
  }
  const results: TransitionResult[] = [];
  for (const req of requests) {
    try {
      results.push(...(await deps.orchestrator.transition([req])));
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      deps.logger.error(
        { component: "runner", invocation: req.id, err: err.message },
        `invocation ${req.id} cannot be claimed: ${err.message} It is left as it is and not queued again.`,
      );
      results.push({ ok: false, id: req.id, reason: "not-found", current: null });
    }
  }
  return results;
}

/**
 * Invocations `runnerId` owns (OWNED_STATUSES) but does not run, last changed over
 * STRAY_CHECK_MS before `now`: a claim applied by the backend whose reply never arrived (a
 * connection dropped mid-call, a batch failed part-way). The runner heartbeats, so recovery
 * would never take them: the runner hands them back itself.
 */
export async function strayInvocations(
  orchestrator: Orchestrator,
  runnerId: string,
  inFlight: ReadonlyMap<string, unknown>,
  now: number,
): Promise<StatusRecord[]> {
  const owned = await orchestrator.find({
    ownerId: runnerId,
    statuses: OWNED_STATUSES,
    updatedBefore: now - STRAY_CHECK_MS,
    limit: 100,
  });
  return owned.filter((r) => !inFlight.has(r.id));
}
