import type {
  BackendCapabilities,
  HeardFinal,
  HistoryEntry,
  InvocationFilter,
  NewInvocation,
  Outcome,
  RecordStepResult,
  RegisterResult,
  RunnerContext,
  RunnerRecord,
  ScopeUsage,
  SettledRecord,
  Settlement,
  StatusCount,
  StatusRecord,
  TransitionRequest,
  TransitionResult,
  TriggerState,
  WorkflowStep,
} from "./records.js";

/**
 * The orchestrator is composed of small roles, one concern each; every engine implements each
 * role in its own file and composes them (see backends/<engine>/orchestrator.ts).
 */

/** Invocation status, history and outcomes: the state machine's durable record. */
export interface InvocationStatusStore {
  /**
   * Record new invocations as REGISTERED, with their first history row, in one atomic step.
   * One with a registration scope held by a non-final invocation is recorded as
   * CONCURRENCY_CONTROLLED_FINAL instead, and its result names the existing invocation.
   */
  register(invocations: readonly NewInvocation[]): Promise<RegisterResult[]>;
  /**
   * Apply compare-and-set transitions in order, each with its history row, in one transaction.
   * Running concurrency is part of it: a transition to PENDING of an invocation whose running
   * scope is full is diverted (see ConcurrencyScopes), and one that frees a slot wakes the
   * scope's oldest waiter (`woken`). A status row the engine cannot read fails the whole call
   * with a CorruptRecordError naming it, and nothing of the batch is applied.
   */
  transition(requests: readonly TransitionRequest[]): Promise<TransitionResult[]>;
  getStatuses(ids: readonly string[]): Promise<Map<string, StatusRecord>>;
  /**
   * The status records of `ids` (those recorded), each final one with its outcome, in one read
   * where the engine allows: a caller holds its result one round trip after the completion.
   */
  getSettled(ids: readonly string[]): Promise<Map<string, SettledRecord>>;
  find(filter: InvocationFilter): Promise<StatusRecord[]>;
  /** Invocation counts by task and status (monitor, metrics). */
  countByStatus(): Promise<StatusCount[]>;
  /** History rows of all invocations with from <= at < to, oldest first, at most `limit`. */
  historyBetween(from: number, to: number, limit: number): Promise<HistoryEntry[]>;
  getOutcome(id: string): Promise<Outcome | null>;
  history(id: string): Promise<HistoryEntry[]>;
}

/** Reads of concurrency-control state (the writes are part of register and transition). */
export interface ConcurrencyControlStore {
  /** The non-final invocation holding a registration scope, if any. */
  registrationHolder(scope: string): Promise<string | null>;
  /** Running-concurrency scopes with holders or waiters. */
  scopeUsage(): Promise<ScopeUsage[]>;
}

/** Retention: old final invocations are deleted in bounded batches (by the recovery lease holder). */
export interface FinalInvocationRetention {
  /**
   * Delete up to `limit` invocations in a final status last updated before `before` (ms since
   * epoch), oldest first, with their history rows and outcomes, atomically; returns their ids
   * (the caller then deletes their data from the state backend). Nothing else is touched.
   */
  deleteFinalBefore(before: number, limit: number): Promise<string[]>;
}

/** Runner contexts and their heartbeats, stamped with the backend's clock. */
export interface RunnerRegistry {
  /** Record (or refresh) runner contexts and stamp their heartbeat with the backend's clock. */
  heartbeat(runnerIds: readonly string[]): Promise<void>;
  registerRunner(ctx: RunnerContext): Promise<void>;
  /**
   * The runners began draining: set their `stoppingUntil` to the backend's clock + `drainMs`.
   * A runner registered again (same id) is no longer stopping.
   */
  markRunnersStopping(runnerIds: readonly string[], drainMs: number): Promise<void>;
  markRunnersStopped(runnerIds: readonly string[]): Promise<void>;
  runners(): Promise<RunnerRecord[]>;
  /** Runners not stopped whose heartbeat is older than `olderThanMs` by the backend's clock. */
  deadRunners(olderThanMs: number): Promise<string[]>;
  /** Record how runners were declared dead (their next heartbeat clears it). */
  markRunnersDead(runnerIds: readonly string[], note: string): Promise<void>;
}

/** A runner's hold on its session-bound liveness; released when the runner stops. */
export interface LivenessHold {
  release(): Promise<void>;
}

/**
 * Session-bound ("ephemeral") liveness: when a runner's process dies, the server ends its
 * session at once, so another runner can tell "process gone" from "silent" without waiting
 * for the heartbeat to expire. Engines without sessions (memory, SQLite) hold nothing and
 * report nothing: the same-host process check and the heartbeat judge their runners.
 */
export interface LivenessProbe {
  /** Runner side: hold `ctx`'s session (a lock, a named connection), re-taken after a reconnect. */
  holdLiveness(ctx: RunnerContext): Promise<LivenessHold>;
  /**
   * Recovery side, one cheap query: of `candidates`, the ids whose session is closed. Empty
   * while the server itself restarted too recently for every runner to have reconnected.
   */
  closedSessions(candidates: readonly RunnerRecord[]): Promise<string[]>;
}

/** Named leases with an expiry (one recovery pass at a time across runners). */
export interface LeaseStore {
  /** Take or extend a named lease; true when `holder` holds it afterwards. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
}

/** Small durable records of the trigger service, written by compare-and-set on a version. */
export interface TriggerStateStore {
  /** States by key; unknown keys are absent. */
  getTriggerStates(keys: readonly string[]): Promise<Map<string, TriggerState>>;
  /**
   * Write `value` if the key's version is `expectVersion` (0: the key does not exist); the new
   * version is `expectVersion + 1`. False (nothing written) when another writer came first.
   */
  setTriggerState(key: string, value: string, expectVersion: number): Promise<boolean>;
  /** The backend's clock (ms since epoch): cron ticks are decided by it, not by each runner's. */
  backendNow(): Promise<number>;
}

/**
 * Workflow steps and data. A step is recorded only while the caller holds the workflow
 * invocation (RUNNING or RESUMED with its fencing token), in one atomic step with that check:
 * a runner whose work was recovered cannot record anything more.
 */
export interface WorkflowStore {
  /**
   * Record `step` unless step `step.stepNo` exists (then the stored one is returned), fenced by
   * `token`; with `data`, set that workflow data key in the same atomic write.
   */
  recordStep(
    step: WorkflowStep,
    token: number,
    data?: { workflowId: string; key: string; value: string },
  ): Promise<RecordStepResult>;
  /** The recorded steps of a workflow invocation, in order. */
  workflowSteps(invocationId: string): Promise<WorkflowStep[]>;
  /** The data of a workflow (scoped to the workflow id), by key. */
  workflowData(workflowId: string): Promise<Map<string, string>>;
}

/** Wake-ups for callers waiting on invocations. */
/** How ChangeFeed.waitForChange filters the changes that wake it. */
export interface ChangeWaitOptions {
  /** Only a change that may have made an invocation final (what a result waiter needs). */
  finalOnly?: boolean;
}

export interface ChangeFeed {
  /**
   * Resolve when any of `ids` (none given: any invocation of the app) may have changed, or after
   * `timeoutMs`. With `finalOnly`, a change the engine knows left the invocation in a non-final
   * status does not count; an engine that cannot tell wakes for every change.
   */
  waitForChange(ids: readonly string[], timeoutMs: number, opts?: ChangeWaitOptions): Promise<void>;
  /**
   * Engines that announce final statuses with their (small) outcomes call `listener` for each,
   * as written by the transition that made them final, until the returned function is called;
   * null when the engine does not (its waiters read instead). Announcements may be lost: a
   * waiter must still read what it was not told (heardFinal says when nothing was lost).
   */
  onSettled(listener: (settled: Settlement) => void): (() => void) | null;
  /**
   * Note, from now, what this process is told of `ids` becoming final (called just before they
   * are registered), for heardFinal. An engine that cannot vouch for its announcements (no
   * subscription confirmed yet, or none at all) notes nothing.
   */
  noteFinals(ids: readonly string[]): void;
  /**
   * What this process was told of `id` since noteFinals: the final status it was told of (with
   * the outcome when the announcement carried it); "pending" when it was told of none and has
   * missed no announcement since (the one that makes it final will come: a waiter need not read
   * first); null when there is nothing to go by (read it). Each note is given out once.
   */
  heardFinal(id: string): HeardFinal | "pending" | null;
}

/** What every component has: capability flags and a life cycle. */
export interface ComponentLifecycle {
  readonly capabilities: BackendCapabilities;
  init(): Promise<void>;
  /** Delete everything of this app. */
  purge(): Promise<void>;
  close(): Promise<void>;
}

export interface Orchestrator
  extends ComponentLifecycle,
    InvocationStatusStore,
    ConcurrencyControlStore,
    FinalInvocationRetention,
    RunnerRegistry,
    LeaseStore,
    TriggerStateStore,
    WorkflowStore,
    ChangeFeed,
    LivenessProbe {}
