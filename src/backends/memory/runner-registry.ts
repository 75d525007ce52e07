import type { RunnerContext, RunnerRecord, RunnerRegistry } from "../../core/contract/index.js";
import { runnerState } from "../../core/runner-state.js";
import type { MemoryStore } from "./store.js";

/** Runner contexts and heartbeats in process memory (the process clock is the backend clock). */
export class MemRunnerRegistry implements RunnerRegistry {
  constructor(private readonly store: MemoryStore) {}

  async registerRunner(ctx: RunnerContext): Promise<void> {
    this.store.runners.set(ctx.id, {
      ...ctx,
      procStart: ctx.procStart ?? null,
      lastHeartbeat: Date.now(),
      stoppedAt: null,
      stoppingUntil: null,
      deadNote: null,
    });
  }

  async heartbeat(runnerIds: readonly string[]): Promise<void> {
    const now = Date.now();
    for (const id of runnerIds) {
      const r = this.store.runners.get(id);
      if (r) {
        r.lastHeartbeat = now;
        r.deadNote = null;
      }
    }
  }

  async markRunnersDead(runnerIds: readonly string[], note: string): Promise<void> {
    for (const id of runnerIds) {
      const r = this.store.runners.get(id);
      if (r) r.deadNote = note;
    }
  }

  async markRunnersStopping(runnerIds: readonly string[], drainMs: number): Promise<void> {
    const until = Date.now() + Math.max(0, Math.round(drainMs));
    for (const id of runnerIds) {
      const r = this.store.runners.get(id);
      if (r) r.stoppingUntil = until;
    }
  }

  async markRunnersStopped(runnerIds: readonly string[]): Promise<void> {
    const now = Date.now();
    for (const id of runnerIds) {
      const r = this.store.runners.get(id);
      if (r) r.stoppedAt = now;
    }
  }

  async runners(): Promise<RunnerRecord[]> {
    return [...this.store.runners.values()].map((r) => ({ ...r }));
  }

  async deadRunners(olderThanMs: number): Promise<string[]> {
    const now = Date.now();
    return [...this.store.runners.values()].filter((r) => runnerState(r, olderThanMs, now) === "dead").map((r) => r.id);
  }
}
