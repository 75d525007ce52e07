import { wakeStrandedWaiters } from "../concurrency/stranded.js";
import type { Broker, Orchestrator, StateBackend, StatusRecord } from "../core/contract/index.js";
import type { Logger } from "../core/logger.js";
import { takeAndReroute } from "../core/operations/reroute.js";
import { routeAgain } from "../core/routing.js";
import { OWNED_STATUSES, RECOVERY_STATUSES, recoveryStatusFor, type Status } from "../core/status.js";
import { withSpan } from "../core/tracing.js";

/** What a recovery pass needs: the two components, who it runs as, and where to log. */
export interface RecoveryDeps {
  orchestrator: Orchestrator;
  broker: Broker;
  stateBackend: StateBackend;
  runnerId: string;
  logger: Logger;
}

export interface RecoveryReport {
  deadRunners: string[];
  recovered: string[];
}

/**
 * Move each record through its recovery status (taking ownership from the dead or stuck
 * owner, with a new fencing token) to REROUTED, and route it again. One log line each.
 */
async function reroute(
  deps: RecoveryDeps,
  records: StatusRecord[],
  why: (r: StatusRecord) => string,
): Promise<string[]> {
  if (records.length === 0) return [];
  const attributes = { "nenc.runner_id": deps.runnerId, "nenc.invocation_count": records.length };
  return withSpan("nenc.recover", attributes, () => rerouteInSpan(deps, records, why));
}

async function rerouteInSpan(
  deps: RecoveryDeps,
  records: StatusRecord[],
  why: (r: StatusRecord) => string,
): Promise<string[]> {
  const { runnerId, logger } = deps;
  const takes = records.map((r) => {
    const to: Status = RECOVERY_STATUSES.includes(r.status) ? "REROUTED" : (recoveryStatusFor(r.status) ?? "REROUTED");
    // The status and the token it read: a runner that acquired the work since keeps it.
    return { id: r.id, to, runnerId, expectFrom: [r.status], expectToken: r.token, note: why(r) };
  });
  const rerouted = (await takeAndReroute(deps, takes, "recovered")).map((r) => r.id);
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const id of rerouted) {
    const r = byId.get(id);
    logger.warn(
      { component: "recovery", invocation: id, task: r?.taskId, deadRunner: r?.ownerId, from: r?.status },
      `recovered invocation ${id} of task ${r?.taskId} from ${r ? why(r) : "?"}`,
    );
  }
  return rerouted;
}

/**
 * Every non-final invocation owned by the given runners, and half-done recoveries, each with
 * how its runner was found dead (`why`: "heartbeat expired", "process gone", "session closed").
 */
export async function recoverRunnersWork(
  deps: RecoveryDeps,
  why: ReadonlyMap<string, string>,
): Promise<RecoveryReport> {
  const records: StatusRecord[] = [];
  for (const ownerId of why.keys()) {
    records.push(...(await deps.orchestrator.find({ ownerId, statuses: [...OWNED_STATUSES, ...RECOVERY_STATUSES] })));
  }
  const recovered = await reroute(
    deps,
    records,
    (r) => `dead runner ${r.ownerId} (${r.status}; ${why.get(r.ownerId ?? "") ?? "heartbeat expired"})`,
  );
  return { deadRunners: [...why.keys()], recovered };
}

/** Every non-final invocation owned by a runner whose heartbeat expired, and half-done recoveries. */
export async function recoverDeadRunnersWork(deps: RecoveryDeps, deadAfterMs: number): Promise<RecoveryReport> {
  const dead = await deps.orchestrator.deadRunners(deadAfterMs);
  return recoverRunnersWork(deps, new Map(dead.map((id) => [id, "heartbeat expired"])));
}

/**
 * Invocations stuck PENDING longer than `maxPendingMs`, recovery statuses left half-done for
 * as long, REGISTERED/REROUTED invocations that are no longer queued (lost deliveries), and
 * concurrency waiters whose scope has a free slot (see wakeStrandedWaiters).
 */
export async function recoverStalePending(deps: RecoveryDeps, maxPendingMs: number): Promise<RecoveryReport> {
  const before = Date.now() - maxPendingMs;
  const stale = await deps.orchestrator.find({ statuses: ["PENDING", ...RECOVERY_STATUSES], updatedBefore: before });
  const recovered = await reroute(
    deps,
    stale,
    (r) => `${r.status} for over ${Math.round(maxPendingMs / 1000)} s (owner ${r.ownerId ?? "none"})`,
  );
  recovered.push(...(await rerouteLostDeliveries(deps, before, "no longer queued")));
  recovered.push(...(await wakeStrandedWaiters(deps)));
  return { deadRunners: [], recovered };
}

/**
 * REGISTERED/REROUTED/RETRY/WAITING invocations last updated before `before` that are not queued (their
 * delivery was lost: a worker that claimed them died before it could record PENDING) are
 * routed again. A duplicate delivery is harmless: only one claim can move an invocation to
 * PENDING. Returns the ids re-routed.
 */
export async function rerouteLostDeliveries(
  deps: Pick<RecoveryDeps, "orchestrator" | "broker" | "stateBackend" | "logger">,
  before: number,
  why: string,
): Promise<string[]> {
  const waiting = await deps.orchestrator.find({
    // RETRY and WAITING are routed again by their runner after the transition: a runner that
    // died in between leaves them unqueued too.
    statuses: ["REGISTERED", "REROUTED", "RETRY", "WAITING"],
    updatedBefore: before,
    limit: 10_000,
  });
  if (waiting.length === 0) return [];
  const queued = await deps.broker.queued(waiting.map((r) => r.id));
  const unqueued = waiting.filter((r) => !queued.has(r.id));
  if (unqueued.length === 0) return [];
  // Read again after the queue check: one claimed between the find and that check (taken off its
  // queue, moved on to PENDING/RUNNING) is not lost. Only one still as the find saw it is.
  const now = await deps.orchestrator.getStatuses(unqueued.map((r) => r.id));
  const lost = unqueued.filter((r) => {
    const again = now.get(r.id);
    return again !== undefined && again.status === r.status && again.updatedAt === r.updatedAt;
  });
  await routeAgain(
    deps,
    lost.map((r) => r.id),
    "returned",
  );
  for (const r of lost) {
    deps.logger.warn(
      { component: "recovery", invocation: r.id, task: r.taskId },
      `re-routed invocation ${r.id} of task ${r.taskId}: ${r.status} but ${why}`,
    );
  }
  return lost.map((r) => r.id);
}
