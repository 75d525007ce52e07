import type { RunnerRecord } from "./contract/index.js";

// The dead rule every backend applies in its own query language; the memory backend and the
// monitor apply it here.

export type RunnerState = "alive" | "stopping" | "dead" | "stopped";

/**
 * Stopped cleanly; dead (declared dead with a note — process gone, session closed — or its
 * heartbeat older than the dead-after window, even while it was draining); stopping (draining until `stoppingUntil`, still beating); or alive.
 */
export function runnerState(r: RunnerRecord, deadAfterMs: number, now: number): RunnerState {
  if (r.stoppedAt !== null) return "stopped";
  if (r.deadNote !== null) return "dead";
  if (now - r.lastHeartbeat > deadAfterMs) return "dead";
  return r.stoppingUntil !== null ? "stopping" : "alive";
}
