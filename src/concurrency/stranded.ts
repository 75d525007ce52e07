import type { Broker, Orchestrator, StateBackend } from "../core/contract/index.js";
import type { Logger } from "../core/logger.js";
import { takeAndReroute } from "../core/operations/reroute.js";

/**
 * The safety net of running concurrency. A release wakes one waiter in the same atomic step;
 * but a woken waiter that never claims its slot (cancelled while REROUTED) leaves the next
 * waiter of its scope waiting with a slot free. The pending-recovery pass calls this: for each
 * scope with fewer holders than its limit, reroute as many of its oldest waiters as there are
 * free slots. Waking one too many is harmless: its claim is held back again. Returns their ids.
 */
export async function wakeStrandedWaiters(deps: {
  orchestrator: Orchestrator;
  broker: Broker;
  stateBackend: StateBackend;
  runnerId: string;
  logger: Logger;
}): Promise<string[]> {
  const usage = await deps.orchestrator.scopeUsage();
  const stranded = usage.flatMap((u) =>
    u.waiters.slice(0, Math.max(0, u.limit - u.holders.length)).map((id) => ({ id, scope: u.scope })),
  );
  if (stranded.length === 0) return [];
  const scopeOf = new Map(stranded.map((s) => [s.id, s.scope]));
  const note = "a slot of its running-concurrency scope is free (recovery pass)";
  const rerouted = await takeAndReroute(
    deps,
    stranded.map(({ id }) => ({
      id,
      to: "REROUTED" as const,
      runnerId: deps.runnerId,
      expectFrom: ["CONCURRENCY_CONTROLLED"],
      note,
    })),
    note,
  );
  for (const r of rerouted) {
    deps.logger.warn(
      { component: "recovery", invocation: r.id, scope: scopeOf.get(r.id) },
      `rerouted invocation ${r.id}: it waited on scope ${scopeOf.get(r.id)}, which has a free slot`,
    );
  }
  return rerouted.map((r) => r.id);
}
