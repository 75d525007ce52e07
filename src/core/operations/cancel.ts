import { CancelledError, serializeError } from "../../errors/index.js";
import type { Orchestrator, TransitionResult } from "../contract/index.js";
import { FINAL_STATUSES, STATUSES } from "../status.js";

const CANCELLABLE = STATUSES.filter((s) => !FINAL_STATUSES.includes(s));

/**
 * Cancel: CANCELLING (takes ownership with a new fencing token, so the runner still executing
 * it has its late write refused) then FAILED with a CancelledError (code NENC_CANCELLED), in one
 * transition batch. `actor` is recorded in the history. Returns the result of the step that decided it.
 */
export async function cancelInvocation(
  orchestrator: Orchestrator,
  id: string,
  reason: string,
  actor: string,
): Promise<TransitionResult> {
  const err = serializeError(new CancelledError(id, reason));
  const [taken, failed] = await orchestrator.transition([
    { id, to: "CANCELLING", runnerId: actor, expectFrom: CANCELLABLE, note: `cancelled: ${reason}` },
    {
      id,
      to: "FAILED",
      runnerId: actor,
      expectFrom: ["CANCELLING"],
      outcome: { kind: "error", error: err },
      note: "cancelled",
    },
  ]);
  if (!taken) throw new Error("the orchestrator returned no result for a cancel transition");
  if (!taken.ok) return taken;
  return failed ?? taken;
}
