import type { Broker, Orchestrator } from "../../core/contract/index.js";
import type { Logger } from "../../core/logger.js";

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
  deps: { orchestrator: Orchestrator; broker: Broker; logger: Logger },
  items: readonly OwnedInvocation[],
  reason: string,
): Promise<string[]> {
  if (items.length === 0) return [];
  const killed = await deps.orchestrator.transition(
    items.map((i) => ({ id: i.id, to: "KILLED" as const, runnerId: i.ownerId, token: i.token, note: reason })),
  );
  const owners = new Map(items.map((i) => [i.id, i.ownerId]));
  const ok = killed.filter((r) => r.ok).map((r) => r.id);
  const rerouted = await deps.orchestrator.transition(
    ok.map((id) => ({ id, to: "REROUTED" as const, runnerId: owners.get(id) ?? null, note: reason })),
  );
  const routed = rerouted.filter((r) => r.ok).map((r) => r.id);
  await deps.broker.route(routed.map((id) => ({ id, priority: 1 })));
  for (const id of routed)
    deps.logger.info({ component: "runner", invocation: id }, `handed back invocation ${id}: ${reason}`);
  return routed;
}
