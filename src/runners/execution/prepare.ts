import type { InvocationData } from "../../core/contract/index.js";
import { decode } from "../../core/serialization.js";
import type { ResolvedTaskOptions, TaskFunction } from "../../core/task.js";
import { CorruptRecordError } from "../../errors/index.js";
import type { OwnedInvocation } from "./hand-back.js";

/** What an executor needs from the app: look tasks up by id. */
export interface TaskLookup {
  getTask(id: string): { fn: TaskFunction; options: ResolvedTaskOptions };
}

export interface PreparedExecution {
  data: InvocationData;
  task: { fn: TaskFunction; options: ResolvedTaskOptions };
  args: unknown[];
}

/**
 * Step 1 of an execution: the stored data, the task and the decoded arguments. A missing row,
 * an unknown task or arguments that do not decode to a list throw (the invocation FAILS with
 * the reason; nothing else is lost).
 */
export function prepareExecution(
  owned: OwnedInvocation,
  data: InvocationData | undefined,
  tasks: TaskLookup,
): PreparedExecution {
  if (!data) throw new CorruptRecordError(`Invocation ${owned.id} has no stored data (task id, arguments).`);
  const task = tasks.getTask(data.taskId);
  let args: unknown;
  try {
    args = decode(data.args);
  } catch (err) {
    throw new CorruptRecordError(`The stored arguments of invocation ${owned.id} cannot be decoded.`, { cause: err });
  }
  if (!Array.isArray(args))
    throw new CorruptRecordError(`The stored arguments of invocation ${owned.id} are not a list.`);
  return { data, task, args };
}
