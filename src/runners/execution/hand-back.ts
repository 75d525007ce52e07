import type { Broker, Orchestrator, StateBackend } from "../../core/contract/index.js";
import type { Logger } from "../../core/logger.js";
import { takeAndReroute } from "../../core/operations/reroute.js";

export interface OwnedInvocation {
  id: string;
  token: number;
  ownerId: string;
}

/**
 * Give owned invocations back at once (shutdown, a lost worker): KILLED, then REROUTED and
 * routed again, so another runner starts them without waiting for heartbeat expiry.
 * Returns the ids that were handed back.
 */
export async function handBack(
  deps: { orchestrator: Orchestrator; broker: Broker; stateBackend: StateBackend; logger: Logger },
  items: readonly OwnedInvocation[],
  reason: string,
): Promise<string[]> {
  const takes = items.map((i) => ({
    id: i.id,
    to: "KILLED" as const,
    runnerId: i.ownerId,
    token: i.token,
    note: reason,
  }));
  const routed = (await takeAndReroute(deps, takes, reason)).map((r) => r.id);
  for (const id of routed)
    deps.logger.info({ component: "runner", invocation: id }, `handed back invocation ${id}: ${reason}`);
  return routed;
}
