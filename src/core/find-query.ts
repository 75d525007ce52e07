import { InvalidArgumentError } from "../errors/index.js";
import type { InvocationQuery } from "./operations/find-invocations.js";
import { isStatus, type Status } from "./status.js";

/** What `app.findInvocations` takes (besides `task`: a task or its id). */
export interface FindInvocationsQuery {
  status?: Status | readonly Status[];
  workflowId?: string;
  parentId?: string;
  /** Created at or after this time. */
  since?: Date | number;
  /** At most this many (default 100, at most 1000). */
  limit?: number;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

function bad(message: string): never {
  throw new InvalidArgumentError(`findInvocations: ${message}`);
}

/** Validate a query: unknown statuses, a bad limit or date are errors naming the field. */
export function checkFindQuery(query: FindInvocationsQuery & { task?: { id: string } | string }): InvocationQuery {
  const statuses =
    query.status === undefined ? undefined : typeof query.status === "string" ? [query.status] : query.status;
  for (const s of statuses ?? []) if (!isStatus(s)) bad(`status "${String(s)}" is not a status.`);
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    bad(`limit must be an integer 1-${MAX_LIMIT}, got ${limit}.`);
  const since = query.since instanceof Date ? query.since.getTime() : query.since;
  if (since !== undefined && !Number.isFinite(since)) bad("since must be a valid Date or a time in ms.");
  return {
    taskId: typeof query.task === "string" ? query.task : query.task?.id,
    statuses,
    workflowId: query.workflowId,
    parentId: query.parentId,
    since,
    limit,
  };
}
