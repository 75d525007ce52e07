import type { SerializedError } from "../../errors/index.js";
import type { Status, TransitionRefusal } from "../status.js";

/**
 * The records the three components exchange. Callers branch on capability flags, never on an
 * engine's name. One conformance suite (test/conformance) checks every engine.
 */

export interface BackendCapabilities {
  /** Other processes sharing the backend see its writes (false for memory). */
  readonly sharedAcrossProcesses: boolean;
  /** `waitForChange`/`waitForWork` are woken by writes instead of polling. */
  readonly pushWakeups: boolean;
}

/** What a caller records for a new invocation. */
export interface NewInvocation {
  id: string;
  taskId: string;
  /** JSON-encoded argument array. */
  args: string;
  parentId: string | null;
  workflowId: string;
  createdAt: number;
  /** The queue it is routed to. Stored as "default" when omitted. */
  queue?: string | undefined;
  /** The caller's priority (higher first), kept for every later routing. Stored as 0 when omitted. */
  priority?: number | undefined;
  /** Not started before this time (ms since epoch); null/omitted: as soon as possible. */
  runAt?: number | null | undefined;
  /** Concurrency scopes, computed at the call from the task's options (absent: no control). */
  concurrency?: ConcurrencyScopes | undefined;
  /** What started it when a trigger did (absent/null: a call). */
  origin?: TriggerOrigin | null | undefined;
}

/**
 * What started a triggered invocation: the trigger's id (`<task id>#<n>`) and the condition
 * match that fired it (the cron tick, the event id, or the source invocation).
 */
export interface TriggerOrigin {
  trigger: string;
  /** The scheduled cron tick (ms since epoch). */
  tick?: number | undefined;
  /** The event's id (the id of its evaluation invocation) and name. */
  eventId?: string | undefined;
  event?: string | undefined;
  /** The source invocation whose status, result or error matched. */
  sourceId?: string | undefined;
}

/** One recorded step of a workflow invocation (numbered from 1 in the order the workflow asked). */
export interface WorkflowStep {
  invocationId: string;
  stepNo: number;
  /** run (a child invocation), step (a function), uuid, random, now, sleep, set. */
  kind: string;
  /** The child's task id, the step's name, the data key; "" for the others. */
  name: string;
  /** The recorded value, JSON (the child's id, the function's result, the wake-up time...). */
  value: string;
  at: number;
}

/** What recording a step did. */
export type RecordStepResult =
  | { outcome: "recorded"; step: WorkflowStep }
  /** Step `stepNo` was recorded before (a replay that raced): the stored one. */
  | { outcome: "exists"; step: WorkflowStep }
  /** The caller no longer holds the invocation (its token is stale): nothing written. */
  | { outcome: "fenced"; step: null };

/** A trigger's durable evaluation state (cron's last tick, an outcome cursor, an AND's matches). */
export interface TriggerState {
  /** Opaque JSON written by the trigger service. */
  value: string;
  /** Increases by one on every write; compare-and-set on it. */
  version: number;
}

/**
 * An invocation's concurrency scopes (see core/concurrency.ts), stored with its status.
 * - registrationScope: while a non-final invocation holds it, registering another one with the
 *   same scope records the new one as CONCURRENCY_CONTROLLED_FINAL and returns the existing id.
 * - runningScope: at most `runningLimit` invocations of the scope hold a slot (PENDING, RUNNING,
 *   PAUSED, RESUMED) at once; a claim beyond it is diverted to CONCURRENCY_CONTROLLED (when
 *   `rerouteWhenBlocked`, woken when a slot frees) or CONCURRENCY_CONTROLLED_FINAL.
 */
export interface ConcurrencyScopes {
  registrationScope: string | null;
  runningScope: string | null;
  runningLimit: number;
  rerouteWhenBlocked: boolean;
}

/** What `register` did with one new invocation. */
export interface RegisterResult {
  id: string;
  /**
   * The non-final invocation with the same registration scope that this call resolves to; the
   * new one was recorded as CONCURRENCY_CONTROLLED_FINAL. Null when it was registered.
   */
  existingId: string | null;
}

/** One running-concurrency scope in use (monitor). */
export interface ScopeUsage {
  scope: string;
  taskId: string;
  limit: number;
  /** Invocations holding a slot (PENDING, RUNNING, PAUSED, RESUMED). */
  holders: string[];
  /** Invocations waiting (CONCURRENCY_CONTROLLED), oldest first. */
  waiters: string[];
}

/** The orchestrator's record of one invocation. */
export interface StatusRecord {
  id: string;
  taskId: string;
  status: Status;
  ownerId: string | null;
  /** Fencing token: increases on every ownership acquisition. */
  token: number;
  retries: number;
  /** Executions started (transitions to RUNNING): 1 during the first, +1 per retry or recovery. */
  attempts: number;
  updatedAt: number;
  /** The running-concurrency scope stored at registration (null: not controlled). */
  runningScope: string | null;
  /** The registration-concurrency scope stored at registration (null: not controlled). */
  registrationScope: string | null;
}

export interface HistoryEntry {
  invocationId: string;
  /** Order of the entry within the invocation's history, from 1. */
  seq: number;
  status: Status;
  /** The owner after the transition (null when released). */
  ownerId: string | null;
  token: number;
  /** The runner context that made the transition (null for callers outside a runner). */
  actorId: string | null;
  at: number;
  note: string | null;
}

export type Outcome = { kind: "result"; value: string } | { kind: "error"; error: SerializedError };

/**
 * A status record and, when it is final, its outcome: what a caller awaiting a result needs.
 * `outcome` is null when none is stored and a CorruptRecordError when its row cannot be read
 * (that fails the one caller, not the others read with it); absent for a non-final record.
 */
export interface SettledRecord {
  record: StatusRecord;
  outcome?: Outcome | null | Error;
}

/** A final status and its outcome, announced by the transition that wrote them (ChangeFeed.onSettled). */
export interface Settlement {
  id: string;
  status: Status;
  outcome: Outcome;
}

/** A final status a process was told of (ChangeFeed.heardFinal), with its outcome when the announcement carried it. */
export interface HeardFinal {
  id: string;
  status: Status;
  outcome?: Outcome;
}

export interface TransitionRequest {
  id: string;
  to: Status;
  /** The runner context asking (becomes owner on acquire/override). */
  runnerId: string | null;
  /** Fencing token held by the caller; checked when leaving an owner-held status. */
  token?: number | undefined;
  /** Compare-and-set: refuse unless the current status is one of these. */
  expectFrom?: readonly Status[] | undefined;
  /** Compare-and-set on the fencing token: refuse unless the current token is this one. */
  expectToken?: number | undefined;
  /** Stored atomically with a final status. */
  outcome?: Outcome | undefined;
  /** Add one to the retry count (RETRY). */
  countRetry?: boolean | undefined;
  /** Why, kept in the history row. */
  note?: string | undefined;
  /**
   * Once this transition lands in `to`, move on to `andThen` in the same atomic step, as the same
   * runner with the token it just got, with its own history row (a claim: PENDING then
   * RUNNING in one step). The result is that of the last transition that landed: `to` tells
   * whether the follow-up happened (a claim diverted by concurrency control stops there).
   */
  andThen?: Status | undefined;
}

export type TransitionResult =
  | {
      ok: true;
      id: string;
      from: Status;
      to: Status;
      token: number;
      ownerId: string | null;
      retries: number;
      attempts: number;
      /**
       * Waiters (CONCURRENCY_CONTROLLED) this transition freed a running-concurrency slot for,
       * moved to REROUTED in the same atomic step; the components route them (see
       * backends/registry.ts), and recovery re-routes them if that routing is lost.
       */
      woken?: string[] | undefined;
    }
  | { ok: false; id: string; reason: TransitionRefusal; current: Status | null };

/** A runner or worker: one per process, thread or child. */
export interface RunnerContext {
  id: string;
  kind: string;
  host: string;
  pid: number;
  threadId: number;
  parentId: string | null;
  startedAt: number;
  /**
   * When its process started, in kernel clock ticks since boot (Linux /proc), or null: the
   * same-host liveness check tells a reused pid from this process by it, whatever the clocks say.
   */
  procStart?: number | null | undefined;
}

export interface RunnerRecord extends RunnerContext {
  lastHeartbeat: number;
  /** Set when the runner stopped cleanly; a stopped runner is never "dead". */
  stoppedAt: number | null;
  /**
   * Set when the runner began a graceful stop (drain): the deadline (backend clock) until which
   * its in-flight work may finish; what still runs then is handed back. It keeps beating
   * meanwhile, so it is not dead; null when it is not stopping.
   */
  stoppingUntil: number | null;
  /**
   * How the runner was declared dead ("process gone", "session closed", "heartbeat expired"),
   * by the recovery pass that recovered its work; cleared by its next heartbeat (a runner wrongly
   * declared dead rejoins by itself). Null while it is not declared dead.
   */
  deadNote: string | null;
}

export interface InvocationFilter {
  statuses?: readonly Status[];
  taskId?: string;
  ownerId?: string;
  /** updatedAt < updatedBefore */
  updatedBefore?: number;
  /** updatedAt >= updatedAfter */
  updatedAfter?: number;
  /**
   * Oldest update first (default), or newest first; invocations updated in the same millisecond
   * by id (descending for "desc": the exact reverse), so pages by offset neither skip nor repeat.
   */
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
}

export interface StatusCount {
  taskId: string;
  status: Status;
  count: number;
}

export interface InvocationDataFilter {
  parentId?: string;
  workflowId?: string;
  /** Only invocations that started a workflow (no parent). */
  rootsOnly?: boolean;
  taskId?: string;
  /** createdAt >= createdAfter */
  createdAfter?: number;
  /** createdAt < createdBefore */
  createdBefore?: number;
  limit?: number;
  offset?: number;
}
