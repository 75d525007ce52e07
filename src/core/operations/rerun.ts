import { InvocationNotFoundError } from "../../errors/index.js";
import type { StateBackend } from "../contract/index.js";
import { resolveValue } from "../large-values.js";

/**
 * Rerun: a new invocation of the same task with the same stored arguments, through the app's
 * register path. Both invocations get a log line naming the other and `origin` (who asked).
 */
export async function rerunInvocation(
  stateBackend: StateBackend,
  register: (taskId: string, args: string) => Promise<string>,
  id: string,
  origin: string,
): Promise<string> {
  const data = (await stateBackend.getInvocations([id])).get(id);
  if (!data) throw new InvocationNotFoundError(id);
  // Large arguments are read back: the new invocation references them itself.
  const newId = await register(data.taskId, await resolveValue(stateBackend, data.args));
  const at = Date.now();
  const line = (invocationId: string, message: string) => ({
    invocationId,
    runnerId: null,
    taskId: data.taskId,
    level: "info",
    message,
    at,
  });
  await stateBackend.appendLogs([line(id, `rerun as ${newId} ${origin}`), line(newId, `rerun of ${id} ${origin}`)]);
  return newId;
}
