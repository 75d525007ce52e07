import type { Status, TransitionRefusal } from "../core/status.js";
import type { SerializedError } from "../errors/index.js";

/**
 * The three small contracts every engine implements. Callers branch on capability flags,
 * never on an engine's name. One conformance suite (test/conformance) checks every engine.
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
  updatedAt: number;
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

export interface TransitionRequest {
  id: string;
  to: Status;
  /** The runner context asking (becomes owner on acquire/override). */
  runnerId: string | null;
  /** Fencing token held by the caller; checked when leaving an owner-held status. */
  token?: number | undefined;
  /** Compare-and-set: refuse unless the current status is one of these. */
  expectFrom?: readonly Status[] | undefined;
  /** Stored atomically with a final status. */
  outcome?: Outcome | undefined;
  /** Add one to the retry count (RETRY). */
  countRetry?: boolean | undefined;
  /** Why, kept in the history row. */
  note?: string | undefined;
}

export type TransitionResult =
  | { ok: true; id: string; from: Status; to: Status; token: number; ownerId: string | null; retries: number }
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
}

export interface RunnerRecord extends RunnerContext {
  lastHeartbeat: number;
  /** Set when the runner stopped cleanly; a stopped runner is never "dead". */
  stoppedAt: number | null;
}

export interface InvocationFilter {
  statuses?: readonly Status[];
  taskId?: string;
  ownerId?: string;
  /** updatedAt < updatedBefore */
  updatedBefore?: number;
  /** updatedAt >= updatedAfter */
  updatedAfter?: number;
  /** Oldest update first (default), or newest first. */
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

export interface Orchestrator {
  readonly capabilities: BackendCapabilities;
  init(): Promise<void>;
  /** Record new invocations as REGISTERED, with their first history row. */
  register(invocations: readonly NewInvocation[]): Promise<void>;
  /** Apply compare-and-set transitions in order, each with its history row, in one transaction. */
  transition(requests: readonly TransitionRequest[]): Promise<TransitionResult[]>;
  getStatuses(ids: readonly string[]): Promise<Map<string, StatusRecord>>;
  find(filter: InvocationFilter): Promise<StatusRecord[]>;
  /** Invocation counts by task and status (monitor, metrics). */
  countByStatus(): Promise<StatusCount[]>;
  /** History rows of all invocations with from <= at < to, oldest first, at most `limit`. */
  historyBetween(from: number, to: number, limit: number): Promise<HistoryEntry[]>;
  getOutcome(id: string): Promise<Outcome | null>;
  history(id: string): Promise<HistoryEntry[]>;
  /** Record (or refresh) runner contexts and stamp their heartbeat with the backend's clock. */
  heartbeat(runnerIds: readonly string[]): Promise<void>;
  registerRunner(ctx: RunnerContext): Promise<void>;
  markRunnersStopped(runnerIds: readonly string[]): Promise<void>;
  runners(): Promise<RunnerRecord[]>;
  /** Runners not stopped whose heartbeat is older than `olderThanMs` by the backend's clock. */
  deadRunners(olderThanMs: number): Promise<string[]>;
  /** Take or extend a named lease; true when `holder` holds it afterwards. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
  /** Resolve when any of `ids` may have changed, or after `timeoutMs`. */
  waitForChange(ids: readonly string[], timeoutMs: number): Promise<void>;
  /** Delete everything of this app. */
  purge(): Promise<void>;
  close(): Promise<void>;
}

export interface RouteRequest {
  id: string;
  /** Not delivered before this time (ms since epoch). */
  availableAt?: number | undefined;
  /** Higher first. Invocations others wait on are routed with a higher priority. */
  priority?: number | undefined;
}

export interface Broker {
  readonly capabilities: BackendCapabilities;
  init(): Promise<void>;
  route(requests: readonly RouteRequest[]): Promise<void>;
  /** Take up to `max` ready ids, highest priority and oldest first; each id is delivered once. */
  claim(max: number): Promise<string[]>;
  /** Which of `ids` are still queued (recovery re-routes REGISTERED work that is not). */
  queued(ids: readonly string[]): Promise<Set<string>>;
  depth(): Promise<number>;
  /** Resolve when work may be available, or after `timeoutMs`. */
  waitForWork(timeoutMs: number): Promise<void>;
  purge(): Promise<void>;
  close(): Promise<void>;
}

export interface InvocationData extends NewInvocation {}

export interface LogRecord {
  invocationId: string | null;
  runnerId: string | null;
  taskId: string | null;
  level: string;
  message: string;
  at: number;
}

export interface StateBackend {
  readonly capabilities: BackendCapabilities;
  init(): Promise<void>;
  saveInvocations(invocations: readonly InvocationData[]): Promise<void>;
  /** Missing ids are absent from the map. A row that cannot be decoded throws CorruptRecordError. */
  getInvocations(ids: readonly string[]): Promise<Map<string, InvocationData>>;
  /** Invocation data by parent, workflow, task or creation time; newest first. */
  findInvocations(filter: InvocationDataFilter): Promise<InvocationData[]>;
  appendLogs(records: readonly LogRecord[]): Promise<void>;
  logs(invocationId: string, limit?: number): Promise<LogRecord[]>;
  purge(): Promise<void>;
  close(): Promise<void>;
}

export interface Components {
  orchestrator: Orchestrator;
  broker: Broker;
  stateBackend: StateBackend;
}
