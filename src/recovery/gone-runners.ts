import type { Orchestrator, RunnerRecord } from "../core/contract/index.js";
import { localProcessState } from "./local-processes.js";

/** How a runner was found gone, kept in the history notes and on the runner record. */
export type DeathNote = "process gone" | "session closed";

/**
 * Finds runners whose process is gone without waiting for their heartbeat to expire: on this
 * host by their pid, elsewhere by their session (a lock or a named connection the server ends
 * when the process dies). A session is judged only once this detector has seen it held (a
 * runner that just started may not hold it yet) and only when it has been closed on two
 * observations `confirmMs` apart (a connection blip reconnects in between). A gone runner's
 * workers (threads, child processes) are gone with it.
 */
export class GoneRunnerDetector {
  private readonly seenHeld = new Set<string>();
  private readonly closedSince = new Map<string, number>();

  constructor(private readonly confirmMs: number) {}

  async detect(orchestrator: Orchestrator, now = Date.now()): Promise<Map<string, DeathNote>> {
    const runners = (await orchestrator.runners()).filter((r) => r.stoppedAt === null && r.deadNote === null);
    const gone = new Map<string, DeathNote>();
    const remote: RunnerRecord[] = [];
    for (const r of runners) {
      const state = localProcessState(r);
      if (state === "gone") gone.set(r.id, "process gone");
      else if (state === "unknown") remote.push(r);
    }
    if (remote.length > 0) {
      const closed = new Set(await orchestrator.closedSessions(remote));
      for (const r of remote) {
        if (!closed.has(r.id)) {
          this.seenHeld.add(r.id);
          this.closedSince.delete(r.id);
          continue;
        }
        if (!this.seenHeld.has(r.id)) continue;
        const since = this.closedSince.get(r.id) ?? now;
        this.closedSince.set(r.id, since);
        if (now - since >= this.confirmMs) gone.set(r.id, "session closed");
      }
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const r of runners) {
        const parentNote = r.parentId === null ? undefined : gone.get(r.parentId);
        if (parentNote && !gone.has(r.id)) {
          gone.set(r.id, parentNote);
          changed = true;
        }
      }
    }
    for (const id of gone.keys()) {
      this.seenHeld.delete(id);
      this.closedSince.delete(id);
    }
    return gone;
  }
}
