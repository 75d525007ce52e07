import type { Nenc } from "../app.js";
import type { Components, TransitionResult } from "../core/contract/index.js";
import { FINAL_STATUSES, STATUSES } from "../core/status.js";
import { CancelledError, InvocationNotFoundError, serializeError } from "../errors/index.js";

/** The actor id the monitor writes history rows with. */
export const MONITOR_ACTOR = "monitor";

const CANCELLABLE = STATUSES.filter((s) => !FINAL_STATUSES.includes(s));

/**
 * Cancel: CANCELLING (takes ownership with a new fencing token, so the runner still executing
 * it has its late write refused) then FAILED with a CancelledError (code NENC_CANCELLED), in one
 * transition batch. Returns the result of the step that decided it.
 */
export async function cancelInvocation(c: Components, id: string, reason: string): Promise<TransitionResult> {
  const err = serializeError(new CancelledError(id, reason));
  const [taken, failed] = await c.orchestrator.transition([
    { id, to: "CANCELLING", runnerId: MONITOR_ACTOR, expectFrom: CANCELLABLE, note: `cancelled: ${reason}` },
    {
      id,
      to: "FAILED",
      runnerId: MONITOR_ACTOR,
      expectFrom: ["CANCELLING"],
      outcome: { kind: "error", error: err },
      note: "cancelled",
    },
  ]);
  if (taken && !taken.ok) return taken;
  return failed ?? taken!;
}

/**
 * Rerun: a new invocation of the same task with the same stored arguments, through the app's
 * register path. Both invocations get a log line naming the other.
 */
export async function rerunInvocation(app: Nenc, c: Components, id: string): Promise<string> {
  const data = (await c.stateBackend.getInvocations([id])).get(id);
  if (!data) throw new InvocationNotFoundError(id);
  const task = app.getTask(data.taskId);
  const newId = await app.runtime.register(task.id, data.args);
  const at = Date.now();
  await c.stateBackend.appendLogs([
    {
      invocationId: id,
      runnerId: null,
      taskId: data.taskId,
      level: "info",
      message: `rerun as ${newId} from the monitor`,
      at,
    },
    {
      invocationId: newId,
      runnerId: null,
      taskId: data.taskId,
      level: "info",
      message: `rerun of ${id} from the monitor`,
      at,
    },
  ]);
  return newId;
}
