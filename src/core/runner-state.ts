import type { RunnerRecord } from "./contract/index.js";

// The dead rule every backend applies in its own query language; the memory backend and the
// monitor apply it here.

export type RunnerState = "alive" | "dead" | "stopped";

/** Alive, dead (heartbeat older than the dead-after window) or stopped cleanly. */
export function runnerState(r: RunnerRecord, deadAfterMs: number, now: number): RunnerState {
  if (r.stoppedAt !== null) return "stopped";
  return now - r.lastHeartbeat > deadAfterMs ? "dead" : "alive";
}
