import type { Broker, InvocationData, RouteRequest, StateBackend, TransitionResult } from "./contract/index.js";
import { brokerPriority, DEFAULT_QUEUE, type PrecedenceClass } from "./priorities.js";

type Scheduled = Pick<InvocationData, "id" | "queue" | "priority" | "runAt">;

/** An invocation's queue, priority and run-at time with their defaults filled in (engines store these). */
export function scheduleOf(inv: Omit<Scheduled, "id">): { queue: string; priority: number; runAt: number | null } {
  return { queue: inv.queue ?? DEFAULT_QUEUE, priority: inv.priority ?? 0, runAt: inv.runAt ?? null };
}

/**
 * The route request of an invocation: its queue, its precedence class combined with its own
 * priority, and not before its run-at time (nor `notBefore`, e.g. a retry's delay).
 */
export function routeRequestFor(inv: Scheduled, precedence: PrecedenceClass, notBefore?: number): RouteRequest {
  const at = Math.max(inv.runAt ?? 0, notBefore ?? 0);
  return {
    id: inv.id,
    queue: inv.queue ?? DEFAULT_QUEUE,
    priority: brokerPriority(precedence, inv.priority ?? 0),
    ...(at > 0 ? { availableAt: at } : {}),
  };
}

/**
 * Route existing invocations again (recovery, hand-back, retry): each keeps its queue, its
 * priority and its run-at time, read from the state backend. `precedence` "asCalled" keeps the
 * class of the first routing (a sub-invocation's or a call's: a retry). An id without data is
 * routed to the default queue (the executor then fails it with a clear reason).
 */
export async function routeAgain(
  components: { broker: Broker; stateBackend: StateBackend },
  ids: readonly string[],
  precedence: PrecedenceClass | "asCalled",
  notBefore?: number,
): Promise<void> {
  if (ids.length === 0) return;
  const data = await components.stateBackend.getInvocations(ids);
  await components.broker.route(
    ids.map((id) => {
      const inv = data.get(id);
      const cls = precedence !== "asCalled" ? precedence : inv?.parentId ? "subInvocation" : "call";
      return routeRequestFor(inv ?? { id }, cls, notBefore);
    }),
  );
}

/**
 * Route the concurrency waiters a transition batch woke (moved to REROUTED in the same atomic
 * step as the slot they got), each with its queue, priority and run-at time and the precedence
 * of returned work. A routing lost to a crash is redone by recovery's pass over REROUTED work
 * that is not queued.
 */
export async function routeWoken(
  components: { broker: Broker; stateBackend: StateBackend },
  results: readonly TransitionResult[],
): Promise<void> {
  await routeAgain(
    components,
    results.flatMap((r) => (r.ok ? (r.woken ?? []) : [])),
    "returned",
  );
}
