import type {
  HistoryEntry,
  InvocationData,
  LogRecord,
  Outcome,
  RunnerRecord,
  StatusRecord,
  TriggerOrigin,
} from "../../core/contract/index.js";
import { DEFAULT_QUEUE } from "../../core/priorities.js";
import { isStatus } from "../../core/status.js";
import { CorruptRecordError, type SerializedError } from "../../errors/index.js";

/** Decoding of stored Redis values; anything that does not decode is a CorruptRecordError naming the key. */

function int(value: string | undefined, what: string): number {
  const n = value === undefined || value === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new CorruptRecordError(`${what} is "${value ?? "(missing)"}", not a number.`);
  return n;
}

function parseJson(raw: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new CorruptRecordError(`${what} is not valid JSON; it was left as is.`, { cause: err });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CorruptRecordError(`${what} is not a JSON object; it was left as is.`);
  }
  return value as Record<string, unknown>;
}

function str(o: Record<string, unknown>, k: string, what: string): string {
  const v = o[k];
  if (typeof v !== "string") throw new CorruptRecordError(`${what}: field "${k}" is not a string.`);
  return v;
}

function optStr(o: Record<string, unknown>, k: string, what: string): string | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw new CorruptRecordError(`${what}: field "${k}" is not a string.`);
  return v;
}

function num(o: Record<string, unknown>, k: string, what: string): number {
  const v = o[k];
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new CorruptRecordError(`${what}: field "${k}" is not a number.`);
  return v;
}

/** HMGET inv:<id> task status owner token retries updated attempts rs gs. */
export const STATUS_FIELDS = [
  "task",
  "status",
  "owner",
  "token",
  "retries",
  "updated",
  "attempts",
  "rs",
  "gs",
] as const;

export function decodeStatus(id: string, fields: (string | null)[]): StatusRecord | null {
  const [task, status, owner, token, retries, updated, attempts, rs, gs] = fields;
  if (status === null || status === undefined) return null;
  const what = `Invocation ${id} in Redis`;
  if (!isStatus(status)) throw new CorruptRecordError(`${what} has an unknown status "${status}"; it was left as is.`);
  if (typeof task !== "string") throw new CorruptRecordError(`${what} has no task id; it was left as is.`);
  return {
    id,
    taskId: task,
    status,
    ownerId: owner ? owner : null,
    token: int(token ?? undefined, `${what}: token`),
    retries: int(retries ?? undefined, `${what}: retries`),
    updatedAt: int(updated ?? undefined, `${what}: updatedAt`),
    attempts: attempts ? int(attempts, `${what}: attempts`) : 0,
    runningScope: rs ? rs : null,
    registrationScope: gs ? gs : null,
  };
}

/** The row's outcome fields: kind ("result" or "error") and value (the result, or the JSON error). */
export const OUTCOME_FIELDS = ["kind", "value"] as const;

export function decodeHistory(id: string, raw: string): HistoryEntry {
  const what = `A history entry of invocation ${id}`;
  const o = parseJson(raw, what);
  const status = str(o, "status", what);
  if (!isStatus(status)) throw new CorruptRecordError(`${what} has an unknown status "${status}".`);
  return {
    invocationId: id,
    seq: num(o, "seq", what),
    status,
    ownerId: optStr(o, "owner", what),
    token: num(o, "token", what),
    actorId: optStr(o, "actor", what),
    at: num(o, "at", what),
    note: optStr(o, "note", what),
  };
}

export function decodeOutcome(id: string, kind: string | undefined, value: string | undefined): Outcome | null {
  if (kind === undefined && value === undefined) return null;
  const what = `The stored outcome of invocation ${id}`;
  if (value === undefined) throw new CorruptRecordError(`${what} has no value; it was left as is.`);
  if (kind === "result") return { kind: "result", value };
  if (kind !== "error") throw new CorruptRecordError(`${what} has an unknown kind "${kind}"; it was left as is.`);
  const o = parseJson(value, what);
  str(o, "name", what);
  str(o, "message", what);
  return { kind: "error", error: o as unknown as SerializedError };
}

export function decodeRunner(id: string, h: Record<string, string>): RunnerRecord {
  const what = `Runner ${id} in Redis`;
  const field = (k: string) => {
    const v = h[k];
    if (v === undefined) throw new CorruptRecordError(`${what} has no "${k}".`);
    return v;
  };
  return {
    id,
    kind: field("kind"),
    host: field("host"),
    pid: int(h.pid, `${what}: pid`),
    threadId: int(h.thread, `${what}: threadId`),
    parentId: h.parent ?? null,
    startedAt: int(h.started, `${what}: startedAt`),
    procStart: h.pst === undefined ? null : int(h.pst, `${what}: procStart`),
    lastHeartbeat: int(h.hb, `${what}: lastHeartbeat`),
    stoppedAt: h.stopped === undefined ? null : int(h.stopped, `${what}: stoppedAt`),
    stoppingUntil: h.stopping === undefined ? null : int(h.stopping, `${what}: stoppingUntil`),
    deadNote: h.dead ?? null,
  };
}

export function decodeInvocationData(id: string, raw: string): InvocationData {
  const what = `Invocation data ${id} in Redis`;
  const o = parseJson(raw, what);
  const origin = originOf(o, what);
  return {
    id: str(o, "id", what),
    taskId: str(o, "taskId", what),
    args: str(o, "args", what),
    parentId: optStr(o, "parentId", what),
    workflowId: str(o, "workflowId", what),
    createdAt: num(o, "createdAt", what),
    // Data written before queues existed has none of the three: the defaults.
    queue: o.queue === undefined ? DEFAULT_QUEUE : str(o, "queue", what),
    priority: o.priority === undefined ? 0 : num(o, "priority", what),
    runAt: o.runAt === undefined || o.runAt === null ? null : num(o, "runAt", what),
    ...(origin ? { origin } : {}),
  };
}

function originOf(o: Record<string, unknown>, what: string): TriggerOrigin | null {
  const v = o.origin;
  if (v === undefined || v === null) return null;
  if (typeof v === "object" && typeof (v as { trigger?: unknown }).trigger === "string") return v as TriggerOrigin;
  throw new CorruptRecordError(`${what}: field "origin" is not a trigger origin.`);
}

export function decodeLog(raw: string): LogRecord {
  const what = "A stored log record";
  const o = parseJson(raw, what);
  return {
    invocationId: optStr(o, "invocationId", what),
    runnerId: optStr(o, "runnerId", what),
    taskId: optStr(o, "taskId", what),
    level: str(o, "level", what),
    message: str(o, "message", what),
    at: num(o, "at", what),
  };
}
