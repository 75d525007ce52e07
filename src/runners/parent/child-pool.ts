import type { Components, StatusRecord } from "../../core/contract/index.js";
import type { Logger } from "../../core/logger.js";
import { OWNED_STATUSES } from "../../core/status.js";
import { RunnerError, serializeError } from "../../errors/index.js";
import { rerouteLostDeliveries } from "../../recovery/recovery-pass.js";
import { handBack } from "../execution/hand-back.js";
import type { Heartbeat } from "../heartbeat/heartbeat.js";
import type { WorkerExit, WorkerHandle } from "./worker-handle.js";

/** One worker as its parent tracks it. */
export interface PoolMember {
  readonly handle: WorkerHandle;
  contextId: string | null;
  /** Invocations the worker reported started and not finished. */
  readonly inFlight: Set<string>;
  /** Of those, the ones PAUSED while they wait for a sub-invocation. */
  readonly paused: Set<string>;
  /** When the worker last had nothing in flight (ms), or null while busy. */
  idleSince: number | null;
  /** Why the parent is ending it on purpose (no error logged), or null. */
  retiring: string | null;
  /** During a drain: the worker claims nothing more and has nothing in flight. */
  drained: boolean;
  /** Set while the parent waits for the worker's "aborted" (see close()). */
  onAborted: (() => void) | null;
}

/** How long close() waits for a worker to abort its tasks' signals (a blocked one does not answer). */
const ABORT_REPLY_MS = 1000;

export interface PoolDeps {
  components: Components;
  heartbeat: Heartbeat;
  logger: Logger;
  /** Memory hand-backs of one invocation before it is FAILED. */
  memoryRetries: number;
  /** Called after anything that may change how many workers the runner wants. */
  onChange(): void;
  /** Ping every ready worker this often, so a child whose parent is frozen stops claiming (0: never). */
  pingEveryMs: number;
}

/**
 * The workers of one runner (threads or child processes) and what the parent knows of them.
 * The parent beats for each worker's context while the worker is alive. When a worker exits,
 * everything its context still owns (read from the orchestrator, so work claimed an instant
 * before the exit is not missed) is handed back at once with the reason in the history, and
 * the context is marked stopped. Every pool-based runner shares this; only the sizing differs.
 */
export class ChildPool {
  readonly members = new Set<PoolMember>();
  private closing = false;
  private draining = false;
  /** Re-checks the drain after any worker message or exit. */
  private drainCheck: (() => void) | null = null;

  private readonly pinger: NodeJS.Timeout | null;

  constructor(private readonly deps: PoolDeps) {
    this.pinger =
      deps.pingEveryMs > 0
        ? setInterval(() => {
            for (const m of this.members) if (m.contextId !== null) m.handle.send({ type: "ping" });
          }, deps.pingEveryMs)
        : null;
    this.pinger?.unref();
  }

  /** Invocations holding a slot in `m` (in flight, not paused). */
  static active(m: PoolMember): number {
    return m.inFlight.size - m.paused.size;
  }

  /** Start a worker; resolves when it is registered and heartbeating, rejects if it dies first. */
  add(handle: WorkerHandle): Promise<PoolMember> {
    const m: PoolMember = {
      handle,
      contextId: null,
      inFlight: new Set(),
      paused: new Set(),
      idleSince: Date.now(),
      retiring: null,
      drained: false,
      onAborted: null,
    };
    this.members.add(m);
    return new Promise((resolve, reject) => {
      handle.onMessage((msg) => {
        switch (msg.type) {
          case "ready":
            m.contextId = msg.context.id;
            this.deps.heartbeat.add([msg.context.id]);
            // Ready after the drain began: it must not start claiming for long.
            if (this.draining) handle.send({ type: "stop" });
            resolve(m);
            break;
          case "started":
            m.inFlight.add(msg.inv.id);
            m.idleSince = null;
            break;
          case "finished":
            m.inFlight.delete(msg.id);
            m.paused.delete(msg.id);
            if (m.inFlight.size === 0) m.idleSince = Date.now();
            break;
          case "paused":
            m.paused.add(msg.id);
            break;
          case "resumed":
            m.paused.delete(msg.id);
            break;
          case "drained":
            m.drained = true;
            break;
          case "aborted":
            m.onAborted?.();
            break;
        }
        this.drainCheck?.();
        this.deps.onChange();
      });
      handle.onExit((exit) => {
        if (m.contextId === null) reject(new RunnerError(`${exit.description} before it was ready`));
        void this.onExit(m, exit);
      });
    });
  }

  /** End a worker on purpose (idle shrink); its context is marked stopped. */
  async retire(m: PoolMember, why: string): Promise<void> {
    m.retiring = `${m.handle.label} ${why}`;
    m.handle.send({ type: "stop" });
    await m.handle.kill();
  }

  /** Context ids of the workers that are ready. */
  contextIds(): string[] {
    return [...this.members].flatMap((m) => (m.contextId === null ? [] : [m.contextId]));
  }

  /**
   * Graceful stop, step 1: tell every worker to stop claiming (a worker still starting is told
   * when it is ready) and wait until each has finished what it runs and said so, or has exited
   * (resolves true), or until `deadlineMs` passes or `cutShort` aborts (resolves false). Nothing
   * is handed back here: close() kills the workers and hands back what they still own.
   */
  drain(deadlineMs: number, cutShort: AbortSignal): Promise<boolean> {
    this.draining = true;
    for (const m of this.members) if (m.contextId !== null) m.handle.send({ type: "stop" });
    return new Promise<boolean>((resolve) => {
      const done = (all: boolean) => {
        clearTimeout(timer);
        cutShort.removeEventListener("abort", onCut);
        this.drainCheck = null;
        resolve(all);
      };
      const onCut = () => done(false);
      const timer = setTimeout(onCut, Math.max(0, Math.min(deadlineMs - Date.now(), 2 ** 31 - 1)));
      cutShort.addEventListener("abort", onCut, { once: true });
      this.drainCheck = () => {
        if ([...this.members].every((m) => m.drained)) done(true);
      };
      if (cutShort.aborted) onCut();
      else this.drainCheck();
    });
  }

  /** Stop every worker and hand back what they own. Returns their context ids. */
  async close(reason: string): Promise<string[]> {
    if (this.pinger) clearInterval(this.pinger);
    this.closing = true;
    const members = [...this.members];
    for (const m of members) m.retiring = reason;
    // The tasks still running learn it first: their ctx.signal is aborted ("handed back").
    await Promise.all(members.map((m) => this.abortSignals(m, reason)));
    // Kill first: a dead worker owns a stable set of invocations, which is then handed back whole.
    await Promise.all(members.map((m) => m.handle.kill()));
    const ids = members.map((m) => m.contextId).filter((id): id is string => id !== null);
    await this.handBackOwned(ids, reason, false);
    this.deps.heartbeat.remove(ids);
    return ids;
  }

  /** Ask a busy worker to abort its tasks' signals; resolves on its answer, or after ABORT_REPLY_MS. */
  private abortSignals(m: PoolMember, reason: string): Promise<void> {
    if (m.contextId === null || m.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        m.onAborted = null;
        resolve();
      };
      const timer = setTimeout(done, ABORT_REPLY_MS);
      m.onAborted = done;
      m.handle.onExit(done);
      m.handle.send({ type: "handBack", reason });
    });
  }

  private async onExit(m: PoolMember, exit: WorkerExit): Promise<void> {
    this.members.delete(m);
    this.drainCheck?.();
    const id = m.contextId;
    // A worker that died before it was ready: the caller of add() schedules the retry.
    if (this.closing || id === null) return;
    if (!exit.clean && !m.retiring) this.deps.logger.warn({ component: "runner" }, exit.description);
    try {
      await this.handBackOwned([id], m.retiring ?? exit.description, exit.memory);
      // It may have died between a broker claim and recording PENDING: that delivery is lost.
      if (!exit.clean) {
        const deps = { ...this.deps.components, logger: this.deps.logger };
        await rerouteLostDeliveries(deps, Date.now(), `not queued after ${exit.description}`);
      }
      this.deps.heartbeat.remove([id]);
      await this.deps.components.orchestrator.markRunnersStopped([id]);
    } catch (err) {
      // Not beaten any more and not marked stopped: heartbeat expiry recovers its work.
      this.deps.heartbeat.remove([id]);
      this.deps.logger.error(
        { component: "runner" },
        `could not hand back the work of ${id}: ${(err as Error).message}; recovery will`,
      );
    }
    this.deps.onChange();
  }

  private async handBackOwned(contextIds: string[], reason: string, memory: boolean): Promise<void> {
    const { orchestrator } = this.deps.components;
    const owned: StatusRecord[] = [];
    for (const ownerId of contextIds) owned.push(...(await orchestrator.find({ ownerId, statuses: OWNED_STATUSES })));
    const items = owned.map((r) => ({ id: r.id, token: r.token, ownerId: r.ownerId ?? "" }));
    if (!memory) {
      await handBack({ ...this.deps.components, logger: this.deps.logger }, items, reason);
      return;
    }
    // Memory hand-backs are counted in the history notes, apart from task retries.
    for (const item of items) {
      const history = await orchestrator.history(item.id);
      const previous = history.filter((h) => h.status === "KILLED" && h.note?.includes("memory limit")).length;
      if (previous < this.deps.memoryRetries) {
        const note = `${reason}; memory retry ${previous + 1}/${this.deps.memoryRetries}`;
        await handBack({ ...this.deps.components, logger: this.deps.logger }, [item], note);
      } else {
        const error = new RunnerError(
          `${reason}; it went over the memory limit ${previous + 1} times (childMemoryRetries ${this.deps.memoryRetries})`,
        );
        const [failed] = await orchestrator.transition([
          {
            id: item.id,
            to: "FAILED",
            runnerId: item.ownerId,
            token: item.token,
            note: error.message,
            outcome: { kind: "error", error: serializeError(error) },
          },
        ]);
        // A PAUSED invocation cannot fail directly: hand it back instead.
        if (!failed?.ok) await handBack({ ...this.deps.components, logger: this.deps.logger }, [item], reason);
      }
    }
  }
}
