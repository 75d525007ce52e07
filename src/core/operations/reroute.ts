import type { Broker, Orchestrator, TransitionRequest, TransitionResult } from "../contract/index.js";
import { BROKER_PRIORITY } from "../priorities.js";

type Applied = Extract<TransitionResult, { ok: true }>;

/**
 * Take invocations (a first transition: KILLED, a recovery status, or REROUTED directly), move
 * those taken to REROUTED, and route them again with the priority of returned work. The one
 * "take → REROUTED → route" step that hand-back and recovery share. Returns the applied
 * REROUTED transitions.
 */
export async function takeAndReroute(
  components: { orchestrator: Orchestrator; broker: Broker },
  takes: readonly TransitionRequest[],
  rerouteNote: string | ((id: string) => string),
): Promise<Applied[]> {
  if (takes.length === 0) return [];
  const { orchestrator, broker } = components;
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
  await broker.route(rerouted.map((r) => ({ id: r.id, priority: BROKER_PRIORITY.returned })));
  return rerouted;
}
