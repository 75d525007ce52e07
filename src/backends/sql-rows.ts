import type {
  HistoryEntry,
  InvocationData,
  LogRecord,
  Outcome,
  RunnerRecord,
  StatusRecord,
  TriggerOrigin,
  TriggerState,
  WorkflowStep,
} from "../core/contract/index.js";
import { isStatus, type Status } from "../core/status.js";
import { CorruptRecordError, type SerializedError } from "../errors/index.js";

/** The tables of both SQL engines' orchestrators (same names in each), emptied by `purge`. */
export const ORCHESTRATOR_TABLES = [
  "status",
  "history",
  "outcomes",
  "runners",
  "leases",
  "trigger_state",
  "workflow_steps",
  "workflow_data",
] as const;

/**
 * Decoding of the rows of both SQL engines (SQLite and PostgreSQL share table and column names).
 * pg returns bigint columns as strings; every value is checked, and a row that does not decode
 * throws CorruptRecordError naming the row (nothing is changed).
 */

type Row = Record<string, unknown>;

function fail(what: string, col: string, v: unknown): never {
  throw new CorruptRecordError(
    `${what}: column ${col} holds ${JSON.stringify(v)}, which nenc cannot read; it was left as is.`,
  );
}

function str(r: Row, col: string, what: string): string {
  const v = r[col];
  return typeof v === "string" ? v : fail(what, col, v);
}

function strOrNull(r: Row, col: string, what: string): string | null {
  const v = r[col];
  return v === null || v === undefined ? null : typeof v === "string" ? v : fail(what, col, v);
}

function num(r: Row, col: string, what: string): number {
  const v = r[col];
  const n = typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : fail(what, col, v);
}

function numOrNull(r: Row, col: string, what: string): number | null {
  return r[col] === null || r[col] === undefined ? null : num(r, col, what);
}

function status(r: Row, col: string, what: string): Status {
  const v = r[col];
  return isStatus(v) ? v : fail(what, col, v);
}

export function toStatusRecord(r: Row): StatusRecord {
  const what = `Invocation ${String(r.id)}`;
  return {
    id: str(r, "id", what),
    taskId: str(r, "task_id", what),
    status: status(r, "status", what),
    ownerId: strOrNull(r, "owner_id", what),
    token: num(r, "token", what),
    retries: num(r, "retries", what),
    attempts: num(r, "attempts", what),
    updatedAt: num(r, "updated_at", what),
    runningScope: strOrNull(r, "run_scope", what),
    registrationScope: strOrNull(r, "reg_scope", what),
  };
}

export function toHistoryEntry(r: Row): HistoryEntry {
  const what = `History row ${String(r.seq)} of invocation ${String(r.invocation_id)}`;
  return {
    invocationId: str(r, "invocation_id", what),
    seq: num(r, "seq", what),
    status: status(r, "status", what),
    ownerId: strOrNull(r, "owner_id", what),
    token: num(r, "token", what),
    actorId: strOrNull(r, "actor_id", what),
    at: num(r, "at", what),
    note: strOrNull(r, "note", what),
  };
}

export function toOutcome(id: string, r: Row): Outcome {
  const what = `The outcome of invocation ${id}`;
  const value = str(r, "value", what);
  if (r.kind === "result") return { kind: "result", value };
  if (r.kind !== "error") fail(what, "kind", r.kind);
  try {
    return { kind: "error", error: JSON.parse(value) as SerializedError };
  } catch (err) {
    throw new CorruptRecordError(`The stored error of invocation ${id} is not valid JSON; it was left as is.`, {
      cause: err,
    });
  }
}

export function toRunnerRecord(r: Row): RunnerRecord {
  const what = `Runner ${String(r.id)}`;
  return {
    id: str(r, "id", what),
    kind: str(r, "kind", what),
    host: str(r, "host", what),
    pid: num(r, "pid", what),
    threadId: num(r, "thread_id", what),
    parentId: strOrNull(r, "parent_id", what),
    startedAt: num(r, "started_at", what),
    procStart: numOrNull(r, "proc_start", what),
    lastHeartbeat: num(r, "last_heartbeat", what),
    stoppedAt: numOrNull(r, "stopped_at", what),
    stoppingUntil: numOrNull(r, "stopping_until", what),
    deadNote: strOrNull(r, "dead_note", what),
  };
}

export function toInvocationData(r: Row): InvocationData {
  const what = `The data of invocation ${String(r.id)}`;
  const origin = originOf(r, what);
  return {
    id: str(r, "id", what),
    taskId: str(r, "task_id", what),
    args: str(r, "args", what),
    parentId: strOrNull(r, "parent_id", what),
    workflowId: str(r, "workflow_id", what),
    createdAt: num(r, "created_at", what),
    queue: str(r, "queue", what),
    priority: num(r, "priority", what),
    runAt: numOrNull(r, "run_at", what),
    ...(origin ? { origin } : {}),
  };
}

function originOf(r: Row, what: string): TriggerOrigin | null {
  const raw = strOrNull(r, "origin", what);
  if (raw === null) return null;
  try {
    const o = JSON.parse(raw) as TriggerOrigin;
    if (o && typeof o === "object" && typeof o.trigger === "string") return o;
  } catch {
    // reported below
  }
  return fail(what, "origin", raw);
}

export function toTriggerState(r: Row): [string, TriggerState] {
  const what = `Trigger state ${String(r.key)}`;
  return [str(r, "key", what), { value: str(r, "value", what), version: num(r, "version", what) }];
}

export function toLogRecord(r: Row): LogRecord {
  const what = `Log line ${String(r.seq)}`;
  return {
    invocationId: strOrNull(r, "invocation_id", what),
    runnerId: strOrNull(r, "runner_id", what),
    taskId: strOrNull(r, "task_id", what),
    level: str(r, "level", what),
    message: str(r, "message", what),
    at: num(r, "at", what),
  };
}

export function toWorkflowStep(r: Row): WorkflowStep {
  const what = `Workflow step ${String(r.step_no)} of ${String(r.invocation_id)}`;
  return {
    invocationId: str(r, "invocation_id", what),
    stepNo: num(r, "step_no", what),
    kind: str(r, "kind", what),
    name: str(r, "name", what),
    value: str(r, "value", what),
    at: num(r, "at", what),
  };
}
