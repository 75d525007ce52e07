import type { Broker, Orchestrator, StateBackend, TransitionRequest, TransitionResult } from "../contract/index.js";
import { routeAgain } from "../routing.js";

type Applied = Extract<TransitionResult, { ok: true }>;

/**
 * Take invocations (a first transition: KILLED, a recovery status, or REROUTED directly), move
 * those taken to REROUTED, and route them again with the precedence of returned work (each keeps its queue, priority and
 * run-at time). The one
 * "take → REROUTED → route" step that hand-back and recovery share. Returns the applied
 * REROUTED transitions.
 */
export async function takeAndReroute(
  components: { orchestrator: Orchestrator; broker: Broker; stateBackend: StateBackend },
  takes: readonly TransitionRequest[],
  rerouteNote: string | ((id: string) => string),
): Promise<Applied[]> {
  if (takes.length === 0) return [];
  const { orchestrator } = components;
  const first = (await orchestrator.transition(takes)).filter((r): r is Applied => r.ok);
  const byId = new Map(takes.map((t) => [t.id, t]));
  const second = await orchestrator.transition(
    first
      .filter((r) => r.to !== "REROUTED")
      .map((r) => ({
        id: r.id,
        to: "REROUTED" as const,
        runnerId: byId.get(r.id)?.runnerId ?? null,
        note: typeof rerouteNote === "string" ? rerouteNote : rerouteNote(r.id),
      })),
  );
  const rerouted = [...first.filter((r) => r.to === "REROUTED"), ...second.filter((r): r is Applied => r.ok)];
  await routeAgain(
    components,
    rerouted.map((r) => r.id),
    "returned",
  );
  return rerouted;
}
