import type { Orchestrator, RunnerRecord } from "../core/contract/index.js";
import { localProcessState } from "./local-processes.js";

/** How a runner was found gone, kept in the history notes and on the runner record. */
export type DeathNote = "process gone" | "session closed";

/**
 * Finds runners whose process is gone without waiting for their heartbeat to expire: on this
 * host by their pid, elsewhere by their session (a lock or a named connection the server ends
 * when the process dies). A session is judged only once the runner is `SESSION_GRACE_MS` old
 * (a runner that just started may not hold it yet) and only when it has been closed on two
 * observations `confirmMs` apart (a connection blip reconnects in between). A gone runner's
 * workers (threads, child processes) are gone with it.
 */
/** How often a runner without the liveness lease re-reads the list of runners on its host. */
const LOCAL_REFRESH_MS = 2000;

/** How old a runner must be before its session is judged: its heartbeat thread takes the session at start. */
export const SESSION_GRACE_MS = 5000;

export class GoneRunnerDetector {
  private readonly closedSince = new Map<string, number>();

  constructor(
    private readonly confirmMs: number,
    /** This process's host name (runnerHost config, else the OS's): runners recorded with it are checked by pid. */
    private readonly thisHost: string,
  ) {}

  private local: RunnerRecord[] = [];
  private localReadAt = 0;

  /**
   * Without the liveness lease: only runners on this host, by pid, from a list of runners read
   * at most every LOCAL_REFRESH_MS (between reads the check costs no query).
   */
  async detectLocal(orchestrator: Orchestrator, now = Date.now()): Promise<Map<string, DeathNote>> {
    if (now - this.localReadAt >= LOCAL_REFRESH_MS) {
      this.local = (await orchestrator.runners()).filter(
        (r) => r.stoppedAt === null && r.deadNote === null && r.host === this.thisHost,
      );
      this.localReadAt = now;
    }
    const gone = new Map<string, DeathNote>();
    for (const r of this.local) if (localProcessState(r, this.thisHost) === "gone") gone.set(r.id, "process gone");
    if (gone.size > 0) this.local = this.local.filter((r) => !gone.has(r.id));
    return gone;
  }

  /** With the liveness lease: every runner, by pid on this host and by session elsewhere. */
  async detect(orchestrator: Orchestrator, now = Date.now()): Promise<Map<string, DeathNote>> {
    const runners = (await orchestrator.runners()).filter((r) => r.stoppedAt === null && r.deadNote === null);
    const gone = new Map<string, DeathNote>();
    const remote: RunnerRecord[] = [];
    for (const r of runners) {
      const state = localProcessState(r, this.thisHost);
      if (state === "gone") gone.set(r.id, "process gone");
      else if (state === "unknown") remote.push(r);
    }
    if (remote.length > 0) {
      const closed = new Set(await orchestrator.closedSessions(remote));
      for (const r of remote) {
        if (!closed.has(r.id) || now - r.startedAt < SESSION_GRACE_MS) {
          this.closedSince.delete(r.id);
          continue;
        }
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
    for (const id of gone.keys()) this.closedSince.delete(id);
    return gone;
  }
}
