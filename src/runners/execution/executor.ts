import { runnerQueues } from "../../config/resolve.js";
import type { NencConfig } from "../../config/schema.js";
import { Batcher } from "../../core/batcher.js";
import { type ExecutionContext, runInExecution, setThreadRunnerId } from "../../core/context.js";
import type {
  Components,
  InvocationData,
  NextWork,
  RunnerContext,
  StatusRecord,
  TransitionRequest,
  TransitionResult,
} from "../../core/contract/index.js";
import type { Logger } from "../../core/logger.js";
import { routeAgain, routeWoken } from "../../core/routing.js";
import { CLAIMABLE_STATUSES, isFinal, type Status } from "../../core/status.js";
import { SuspendExecution } from "../../core/suspend.js";
import { withSpan } from "../../core/tracing.js";
import { AbortedError, coerceError } from "../../errors/index.js";
import { claimTransitions, STRAY_CHECK_MS, strayInvocations } from "./claims.js";
import { handBack, type OwnedInvocation } from "./hand-back.js";
import { storeLargeResult, withResolvedArgs } from "./large-result.js";
import { LazyAbort } from "./lazy-abort.js";
import { type DecidedOutcome, errorOutcome, successOutcome, suspendOutcome } from "./outcome.js";
import { ExecutionPause } from "./pause.js";
import { type PreparedExecution, prepareExecution, type TaskLookup } from "./prepare.js";

/** How often an executor checks that it still owns what it runs (cancel, recovery by another runner). */
const OWNERSHIP_CHECK_MS = 500;
const OWNED_WHILE_RUNNING: readonly Status[] = ["RUNNING", "PAUSED", "RESUMED"];
/** How many batches of `slots` outcomes may be recording before claiming waits (see `recording`). */
const RECORDING_BATCHES = 2;

export interface ExecutorEvents {
  onStart?(inv: OwnedInvocation): void;
  onFinish?(id: string): void;
  /** The invocation waits for a sub-invocation (PAUSED): its slot is free. */
  onPause?(id: string): void;
  onResume?(id: string): void;
}

/**
 * Claims invocations for one runner context and executes them, up to `slots` at once.
 * Claims are batched (one broker call and one transition batch per loop turn) and
 * completions are batched per event-loop turn.
 */
export class InvocationExecutor {
  private readonly inFlight = new Map<string, OwnedInvocation>();
  /** In-flight invocations PAUSED while they wait for a sub-invocation: they hold no slot. */
  private readonly paused = new Set<string>();
  /**
   * Executions that ended and are recording their outcome: they hold no slot, so the next
   * claim overlaps the write. A claim is made while at most RECORDING_BATCHES × `slots` of them
   * record (beyond that, claiming waits for their writes: an unreachable backend stops the
   * claims, not just the completions). With short tasks a whole batch records at once: at one
   * batch, every second claim waited for the previous completion write (a runner timeline on
   * Redis showed claim, claim, wait); at two, the claims no longer wait for completions (Redis
   * execute, ten paired runs: +7% median; PostgreSQL four pairs: unchanged).
   */
  private readonly recording = new Set<string>();
  private stopped = false;
  /**
   * Waits for work, ended at once when claiming stops: one listener per wait, removed after it.
   * (Racing each wait against one runner-long stop promise left a reaction on it per wait: the
   * heap grew by kilobytes per job on SQLite, whose runner wakes on every write.)
   */
  private readonly stopWaiters = new Set<() => void>();
  private loopDone: Promise<void> | null = null;
  private slotFreed: (() => void) | null = null;
  /** Called when the last in-flight invocation has finished (drain). */
  private readonly idleWaiters = new Set<() => void>();
  private readonly completions: Batcher<TransitionRequest, TransitionResult>;
  /** Each in-flight execution's ctx.signal. */
  private readonly aborts = new Map<string, LazyAbort>();
  /** In-flight invocations whose outcome is not to be recorded (abandonInFlight). */
  private readonly abandoned = new Set<string>();
  private watchTimer: NodeJS.Timeout | null = null;
  private nextStrayCheck = Date.now() + STRAY_CHECK_MS;
  private strayCheck = false;

  constructor(
    private readonly deps: {
      tasks: TaskLookup;
      components: Components;
      config: NencConfig;
      context: RunnerContext;
      slots: number;
      logger: Logger;
      events?: ExecutorEvents;
      /** Checked before each claim; false: claim nothing for now (a worker whose parent is silent). */
      mayClaim?: () => boolean;
    },
  ) {
    this.completions = new Batcher((reqs) => this.deps.components.orchestrator.transition(reqs));
  }

  get runnerId(): string {
    return this.deps.context.id;
  }

  /** Invocations holding a slot (in flight and not paused). */
  get busy(): number {
    return this.inFlight.size - this.paused.size - this.recording.size;
  }

  owned(): OwnedInvocation[] {
    return [...this.inFlight.values()];
  }

  start(): void {
    setThreadRunnerId(this.deps.context.id);
    this.loopDone = this.loop();
    this.watchTimer = setInterval(() => {
      void this.watchOwnership();
      void this.handBackStrays();
    }, OWNERSHIP_CHECK_MS);
    this.watchTimer.unref();
  }

  /**
   * Abort the signal of every in-flight invocation this runner no longer owns: cancelled
   * (CANCELLING, FAILED) or taken by another runner (a new token). One status read per check,
   * only while something is in flight.
   */
  private async watchOwnership(): Promise<void> {
    if (this.inFlight.size === 0) return;
    const owned = this.owned();
    let statuses: Map<string, StatusRecord>;
    try {
      statuses = await this.deps.components.orchestrator.getStatuses(owned.map((o) => o.id));
    } catch {
      return; // the backend is unreachable: the next check tries again
    }
    for (const o of owned) {
      // Claimed here again meanwhile (see startResults): that earlier execution is aborted already.
      if (this.inFlight.get(o.id) !== o) continue;
      const rec = statuses.get(o.id);
      if (rec && rec.token === o.token && OWNED_WHILE_RUNNING.includes(rec.status)) continue;
      const cancelled = rec?.status === "CANCELLING" || rec?.status === "FAILED";
      this.abort(
        o.id,
        cancelled ? "cancelled" : "ownership lost",
        cancelled ? "it was cancelled" : `it is now ${rec?.status ?? "gone"} and owned by ${rec?.ownerId ?? "nobody"}`,
      );
    }
  }

  /**
   * Invocations this runner owns (PENDING, RUNNING, PAUSED, RESUMED) but does not run, last
   * changed over STRAY_CHECK_MS ago, are handed back: a claim applied by the backend whose
   * reply never arrived (a connection dropped mid-call, a batch failed part-way) would
   * otherwise stay owned by a live runner that heartbeats, and recovery would never take it.
   * One query every STRAY_CHECK_MS while claiming.
   */
  private async handBackStrays(): Promise<void> {
    const now = Date.now();
    if (this.stopped || this.strayCheck || now < this.nextStrayCheck) return;
    this.nextStrayCheck = now + STRAY_CHECK_MS;
    this.strayCheck = true;
    try {
      const strays = await strayInvocations(this.deps.components.orchestrator, this.runnerId, this.inFlight, now);
      // A stop meanwhile hands back everything in flight itself.
      if (strays.length === 0 || this.stopped) return;
      await handBack(
        { ...this.deps.components, logger: this.deps.logger },
        strays.map((r) => ({ id: r.id, token: r.token, ownerId: this.runnerId })),
        "owned by this runner but not running here (a claim whose reply was lost)",
      );
    } catch {
      // The backend is unreachable: the next check tries again.
    } finally {
      this.strayCheck = false;
    }
  }

  /**
   * A pool worker about to be ended by its parent, which hands its work back: claim nothing
   * more, abort the ctx.signal of everything in flight ("handed back") and record none of their
   * outcomes (what the parent hands back runs again elsewhere).
   */
  abandonInFlight(reason: string): void {
    void this.stopClaiming();
    for (const id of this.inFlight.keys()) this.abandoned.add(id);
    this.abortInFlight("handed back", reason);
  }

  private abortInFlight(why: AbortedError["why"], detail: string): void {
    for (const id of this.inFlight.keys()) this.abort(id, why, detail);
  }

  private abort(id: string, why: AbortedError["why"], detail: string): void {
    const controller = this.aborts.get(id);
    if (!controller || controller.aborted) return;
    controller.abort(new AbortedError(id, why, detail));
  }

  /** `wait` settled, or claiming stopped, whichever is first (a rejection of `wait` is passed on). */
  private untilStop(wait: Promise<unknown>): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        this.stopWaiters.delete(wake);
        resolve();
      };
      this.stopWaiters.add(wake);
      wait.then(wake, (err: unknown) => {
        this.stopWaiters.delete(wake);
        reject(err);
      });
    });
  }

  /** Stop claiming new work (in-flight invocations keep running). */
  async stopClaiming(): Promise<void> {
    this.stopped = true;
    if (this.watchTimer && this.inFlight.size === 0) clearInterval(this.watchTimer);
    for (const wake of [...this.stopWaiters]) wake();
    this.slotFreed?.();
    await this.loopDone;
  }

  /**
   * Graceful stop, step 1: stop claiming, then let the in-flight invocations (paused ones too)
   * run until all have finished and recorded their outcome (resolves true), or until
   * `deadlineMs` (epoch ms; Infinity: no deadline) passes or `cutShort` aborts (resolves false).
   * Nothing is handed back here: what is still in flight goes through stopAndHandBack.
   */
  async drain(deadlineMs: number, cutShort?: AbortSignal): Promise<boolean> {
    await this.stopClaiming();
    if (this.inFlight.size === 0) return true;
    if (cutShort?.aborted || deadlineMs <= Date.now()) return false;
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = (idle: boolean) => {
        if (timer) clearTimeout(timer);
        cutShort?.removeEventListener("abort", onCut);
        this.idleWaiters.delete(onIdle);
        resolve(idle);
      };
      const onIdle = () => done(true);
      const onCut = () => done(false);
      if (Number.isFinite(deadlineMs)) timer = setTimeout(onCut, Math.min(deadlineMs - Date.now(), 2 ** 31 - 1));
      cutShort?.addEventListener("abort", onCut, { once: true });
      this.idleWaiters.add(onIdle);
    });
  }

  /**
   * Stop claiming and hand every invocation still in flight back at once (KILLED → REROUTED):
   * at once on a plain stop, or at the end of a drain. Their executions are not waited for and
   * their outcomes are not recorded (what is handed back runs again elsewhere).
   */
  async stopAndHandBack(reason: string): Promise<string[]> {
    await this.stopClaiming();
    const owned = this.owned();
    // Their outcomes are not recorded: a task that returns right after the abort would
    // otherwise race the hand-back with a still-valid token.
    for (const o of owned) this.abandoned.add(o.id);
    this.abortInFlight("handed back", reason);
    this.inFlight.clear();
    this.paused.clear();
    this.recording.clear();
    if (this.watchTimer) clearInterval(this.watchTimer);
    return handBack({ ...this.deps.components, logger: this.deps.logger }, owned, reason);
  }

  private async loop(): Promise<void> {
    const { broker } = this.deps.components;
    const queues = runnerQueues(this.deps.config);
    let backoff = 10;
    while (!this.stopped) {
      const free = this.recording.size > RECORDING_BATCHES * this.deps.slots ? 0 : this.deps.slots - this.busy;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.slotFreed = resolve;
        });
        this.slotFreed = null;
        continue;
      }
      if (this.deps.mayClaim && !this.deps.mayClaim()) {
        await this.untilStop(new Promise((r) => setTimeout(r, 100)));
        continue;
      }
      try {
        const { claimed, next } = await this.claimAndStart(free, queues);
        if (this.stopped) break;
        backoff = 10;
        if (claimed < free) {
          // The queues held less than we could take: no claim again at once (an empty claim was
          // every second call at low load, a full script run on Redis), but a wait for work,
          // which first looks whether any came meanwhile. What was just started records its
          // outcome first: a task that ends at once queues its completion for the event loop's
          // next check phase, behind an immediate this loop would queue now; one more turn lets
          // the completion reach the server before the look (on the caller's latency path).
          // The claim's own view of the queues (`next`) spares the broker that look where it can.
          if (claimed > 0) await new Promise((r) => setImmediate(() => setImmediate(r)));
          await this.untilStop(broker.waitForWork(broker.capabilities.pushWakeups ? 1000 : 50, queues, next));
        }
      } catch (err) {
        this.deps.logger.warn(
          { component: "runner", err: coerceError(err).message },
          `claiming work failed; retrying in ${backoff} ms`,
        );
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /**
   * Claim up to `free` ids and start them; returns how many were claimed (and, when the engine's
   * claimer tells, what it saw of the queues). With the engine's AtomicClaimer, the claim, its
   * transitions and the data read are one round trip; else the broker's claim, then startClaimed.
   */
  private async claimAndStart(free: number, queues: string[]): Promise<{ claimed: number; next?: NextWork }> {
    const { broker, claimer } = this.deps.components;
    if (claimer) {
      const c = await claimer.claimAndStart(free, queues, this.runnerId, CLAIMABLE_STATUSES);
      if (c.results === null) {
        if (this.stopped) await routeAgain(this.deps.components, c.ids, "returned");
        else await this.startClaimed(c.ids);
        return { claimed: c.ids.length };
      }
      await routeWoken(this.deps.components, c.results);
      if (this.stopped) {
        // Taken while a stop began: handed back at once (KILLED, REROUTED), as if never claimed.
        const taken = c.results.flatMap((r) =>
          r.ok && (r.to === "RUNNING" || r.to === "PENDING")
            ? [{ id: r.id, token: r.token, ownerId: this.runnerId }]
            : [],
        );
        await handBack(
          { ...this.deps.components, logger: this.deps.logger },
          taken,
          "claimed while the runner stopped",
        );
      } else await this.startResults(c.results, Promise.resolve(c.data));
      return { claimed: c.ids.length, next: c.next };
    }
    const ids = await broker.claim(free, queues);
    if (this.stopped) {
      await routeAgain(this.deps.components, ids, "returned");
      return { claimed: ids.length };
    }
    await this.startClaimed(ids);
    return { claimed: ids.length };
  }

  private async startClaimed(ids: string[]): Promise<void> {
    const { orchestrator, stateBackend } = this.deps.components;
    const runnerId = this.runnerId;
    // Claim and start in one atomic step (PENDING then RUNNING, a history row each). A claim of
    // an invocation whose running-concurrency scope is full was diverted to
    // CONCURRENCY_CONTROLLED(_FINAL) instead: it is not ours to run.
    // The invocations' data is read alongside (what does not start is dropped): one round trip less.
    const reading = stateBackend.getInvocations(ids);
    reading.catch(() => {}); // awaited below; a failed transition must not leave it unhandled
    const results = await claimTransitions(
      { orchestrator, logger: this.deps.logger },
      ids.map((id) => ({
        id,
        to: "PENDING" as const,
        andThen: "RUNNING" as const,
        runnerId,
        expectFrom: CLAIMABLE_STATUSES,
      })),
    );
    await this.startResults(results, reading);
  }

  /** Start the invocations whose claim transition `results` report started (or only PENDING: started now). */
  private async startResults(
    results: readonly TransitionResult[],
    reading: Promise<Map<string, InvocationData>>,
  ): Promise<void> {
    const { orchestrator, stateBackend } = this.deps.components;
    const runnerId = this.runnerId;
    const ok = results.filter((r): r is Extract<TransitionResult, { ok: true }> => r.ok);
    // Claimed but not started (the follow-up was refused): start it on its own.
    const onlyPending = ok.filter((r) => r.to === "PENDING");
    const runningLate =
      onlyPending.length === 0
        ? []
        : await orchestrator.transition(
            onlyPending.map((r) => ({ id: r.id, to: "RUNNING" as const, runnerId, token: r.token })),
          );
    const started = [...ok.filter((r) => r.to === "RUNNING"), ...runningLate].filter(
      (r): r is Extract<TransitionResult, { ok: true }> => r.ok,
    );
    if (started.length === 0) return;
    const data = await reading.catch(() => stateBackend.getInvocations(started.map((r) => r.id)));
    for (const r of started) {
      const owned = { id: r.id, token: r.token, ownerId: runnerId };
      // Still running here from before: its work was recovered and rerouted while this runner was
      // frozen or cut off, and came back to it. The earlier execution's token is stale: abort it
      // now, before this one takes its place (its outcome write is refused by the fencing token).
      if (this.inFlight.has(r.id)) {
        this.abort(r.id, "ownership lost", `it was claimed here again (fencing token ${r.token})`);
      }
      this.inFlight.set(r.id, owned);
      this.aborts.set(r.id, new LazyAbort());
      this.deps.events?.onStart?.(owned);
      void this.execute(owned, r.retries, r.attempts, data.get(r.id));
    }
  }

  /** One execution in three steps: prepare, run and decide the outcome (retry policy), record it. */
  private async execute(
    owned: OwnedInvocation,
    retries: number,
    attempt: number,
    data: InvocationData | undefined,
  ): Promise<void> {
    let decided: DecidedOutcome;
    try {
      const { stateBackend } = this.deps.components;
      const prepared = prepareExecution(owned, await withResolvedArgs(stateBackend, data), this.deps.tasks);
      decided = await this.run(owned, prepared, retries, attempt);
      decided = await storeLargeResult(stateBackend, owned, prepared.data.taskId, decided, this.deps.config);
    } catch (err) {
      this.deps.logger.error(
        { component: "runner", invocation: owned.id, err: coerceError(err).message },
        `invocation ${owned.id} failed`,
      );
      decided = errorOutcome(owned, err, null);
    }
    this.recording.add(owned.id);
    this.slotFreed?.();
    try {
      if (this.abandoned.has(owned.id)) {
        this.deps.logger.info(
          { component: "runner", invocation: owned.id },
          `invocation ${owned.id} ended after it was handed back; its outcome is not recorded`,
        );
      } else {
        await this.record(owned, decided, data?.parentId ?? null);
      }
    } finally {
      this.recording.delete(owned.id);
      // An execution replaced by a later claim of the same id leaves that one's entries alone.
      const current = this.inFlight.get(owned.id) === owned;
      if (current) {
        this.abandoned.delete(owned.id);
        this.inFlight.delete(owned.id);
        this.paused.delete(owned.id);
        this.aborts.delete(owned.id);
      }
      if (this.stopped && this.inFlight.size === 0 && this.watchTimer) clearInterval(this.watchTimer);
      if (current) this.deps.events?.onFinish?.(owned.id);
      this.slotFreed?.();
      if (this.inFlight.size === 0) for (const idle of [...this.idleWaiters]) idle();
    }
  }

  private async run(
    owned: OwnedInvocation,
    prepared: PreparedExecution,
    retries: number,
    attempt: number,
  ): Promise<DecidedOutcome> {
    const { data, task, args } = prepared;
    const abort = this.aborts.get(owned.id) ?? new LazyAbort();
    const ctx: ExecutionContext = {
      invocationId: owned.id,
      taskId: data.taskId,
      workflowId: data.workflowId,
      parentId: data.parentId,
      runnerId: owned.ownerId,
      attempt: Math.max(1, attempt),
      get signal() {
        return abort.signal;
      },
      pause: this.pauseController(owned),
      token: owned.token,
    };
    const span = { "nenc.invocation_id": owned.id, "nenc.task_id": data.taskId, "nenc.runner_id": owned.ownerId };
    const parent = data.parentId ? { "nenc.parent_invocation_id": data.parentId } : {};
    try {
      const value = await withSpan("nenc.run", { ...span, ...parent, "nenc.workflow_id": data.workflowId }, () =>
        runInExecution(ctx, async () => task.fn(...args)),
      );
      return successOutcome(owned, data.taskId, value);
    } catch (err) {
      if (err instanceof SuspendExecution) return suspendOutcome(owned, err.wakeAt, err.reason, err.waitingFor);
      const decided = errorOutcome(owned, err, { options: task.options, retries, config: this.deps.config });
      if (decided.request.to === "FAILED") throw err;
      return decided;
    }
  }

  /** Step 3: write the outcome as the owner (fenced by its token); a retry is routed again. */
  private async record(
    owned: OwnedInvocation,
    { request, retryAt, waitingFor }: DecidedOutcome,
    parentId: string | null,
  ): Promise<void> {
    const result = await this.submitOutcome(owned, request);
    if (result === "handed back") return;
    if (result !== "landed") {
      this.deps.logger.warn(
        {
          component: "runner",
          invocation: owned.id,
          reason: result.reason,
          current: result.current,
          token: owned.token,
        },
        `write refused for invocation ${owned.id} (${request.to}, fencing token ${owned.token}): ${result.reason}; another runner owns it now`,
      );
      return;
    }
    try {
      if (retryAt !== null) {
        // A child that ended while its workflow was suspending could not wake it: route it now.
        const childDone = waitingFor ? await this.isFinal(waitingFor) : false;
        await routeAgain(this.deps.components, [owned.id], "asCalled", childDone ? undefined : retryAt);
      } else if (parentId !== null && isFinal(request.to)) {
        await this.wakeWaitingParent(parentId);
      }
    } catch (err) {
      // The outcome is recorded; recovery routes an unqueued RETRY/WAITING invocation again and
      // a waiting parent has its fallback wake-up.
      this.deps.logger.warn(
        { component: "runner", invocation: owned.id, err: coerceError(err).message },
        `recorded ${request.to} for ${owned.id} but could not route what follows; recovery will`,
      );
    }
  }

  /**
   * The outcome write, tried again with backoff (0.1 s doubling to 5 s) while it fails (the
   * backend unreachable, its disk full): while this runner owns the invocation its outcome is
   * never dropped. Ends when the write lands, is refused (fenced off), or the invocation is
   * handed back. A retry whose earlier attempt did land (its reply was lost) finds the status
   * already there and counts as landed.
   */
  private async submitOutcome(
    owned: OwnedInvocation,
    request: TransitionRequest,
  ): Promise<"landed" | "handed back" | Extract<TransitionResult, { ok: false }>> {
    let delay = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.completions.submit(request);
        if (result.ok || (attempt > 1 && result.current === request.to)) return "landed";
        return result;
      } catch (err) {
        if (this.abandoned.has(owned.id)) return "handed back";
        this.deps.logger.error(
          { component: "runner", invocation: owned.id, attempt, err: coerceError(err).message },
          `could not record the outcome of ${owned.id} (attempt ${attempt}); trying again in ${delay} ms`,
        );
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
        if (this.abandoned.has(owned.id)) return "handed back";
      }
    }
  }

  /**
   * A parent workflow waiting (WAITING) for the child that just ended is routed now, not at its
   * fallback wake-up time. A lost wake-up only delays it: the fallback still comes.
   */
  private async wakeWaitingParent(parentId: string): Promise<void> {
    if ((await this.statusOf(parentId)) === "WAITING") await routeAgain(this.deps.components, [parentId], "asCalled");
  }

  private async isFinal(id: string): Promise<boolean> {
    const status = await this.statusOf(id);
    return status !== undefined && isFinal(status);
  }

  private async statusOf(id: string): Promise<Status | undefined> {
    return (await this.deps.components.orchestrator.getStatuses([id])).get(id)?.status;
  }

  private pauseController(owned: OwnedInvocation): ExecutionPause {
    return new ExecutionPause({
      owned,
      transition: (req) => this.completions.submit(req),
      logger: this.deps.logger,
      onPause: () => {
        this.paused.add(owned.id);
        this.deps.events?.onPause?.(owned.id);
        this.slotFreed?.();
      },
      onResume: () => {
        // Resuming may exceed `slots` for a moment; the loop claims nothing until a slot is free.
        this.paused.delete(owned.id);
        this.deps.events?.onResume?.(owned.id);
      },
    });
  }
}
