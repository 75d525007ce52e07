import { DEFAULT_QUEUE, USER_PRIORITY_LIMIT } from "../core/priorities.js";
import type { ScheduleOptions, TaskOptions } from "../core/task.js";
import { InvalidArgumentError, TaskDefinitionError } from "../errors/index.js";

/** Where and when one call is routed: its queue, its priority, and its run-at time (null: now). */
export interface CallSchedule {
  queue: string;
  priority: number;
  runAt: number | null;
}

/** A task's defaults: its queue and priority. */
export type TaskSchedule = Omit<CallSchedule, "runAt">;

const QUEUE_NAME = /^[\w.:-]{1,100}$/;

/** Why `queue` is not a valid queue name, or null. */
function queueProblem(queue: unknown): string | null {
  if (typeof queue !== "string" || queue === "")
    return `queue must be a non-empty string, got ${JSON.stringify(queue)}`;
  if (!QUEUE_NAME.test(queue)) return `queue "${queue}" is not valid: use letters, digits, _ . : - (max 100)`;
  return null;
}

function priorityProblem(priority: unknown): string | null {
  if (typeof priority !== "number" || !Number.isInteger(priority) || Math.abs(priority) > USER_PRIORITY_LIMIT) {
    return `priority must be an integer from -${USER_PRIORITY_LIMIT} to ${USER_PRIORITY_LIMIT} (higher first), got ${String(priority)}`;
  }
  return null;
}

/** The `queue` and `priority` task options, checked at `app.task()` (a TaskDefinitionError). */
export function resolveTaskSchedule(taskId: string, options: Pick<TaskOptions, "queue" | "priority">): TaskSchedule {
  const queue = options.queue ?? DEFAULT_QUEUE;
  const priority = options.priority ?? 0;
  const problem = queueProblem(queue) ?? priorityProblem(priority);
  if (problem) throw new TaskDefinitionError(`Task "${taskId}": ${problem}.`);
  return { queue, priority };
}

/**
 * One call's schedule: `with()` options over the task's defaults, checked before anything is
 * recorded (an InvalidArgumentError at the call). `now` is the caller's clock.
 */
export function resolveCallSchedule(
  taskId: string,
  defaults: TaskSchedule,
  options: ScheduleOptions,
  now = Date.now(),
): CallSchedule {
  const fail = (why: string): never => {
    throw new InvalidArgumentError(`${taskId}.with(): ${why}; nothing was recorded.`);
  };
  if (options === null || typeof options !== "object") fail("takes an options object");
  const { delayMs, runAt } = options;
  if (delayMs !== undefined && runAt !== undefined) fail("give delayMs or runAt, not both");
  let at: number | null = null;
  if (delayMs !== undefined) {
    if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) {
      fail(`delayMs must be a finite number of milliseconds >= 0, got ${String(delayMs)}`);
    }
    at = delayMs > 0 ? now + delayMs : null;
  }
  if (runAt !== undefined) {
    const t = runAt instanceof Date ? runAt.getTime() : Number.NaN;
    if (!Number.isFinite(t)) fail(`runAt must be a valid Date, got ${String(runAt)}`);
    at = t > now ? t : null;
  }
  const queue = options.queue ?? defaults.queue;
  const priority = options.priority ?? defaults.priority;
  const problem = queueProblem(queue) ?? priorityProblem(priority);
  if (problem) fail(problem);
  return { queue, priority, runAt: at };
}
