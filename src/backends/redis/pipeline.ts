import { BackendError } from "../../errors/index.js";

/** Pipeline replies are [error, value] pairs; the first error is thrown. */
export function values<T>(replies: [Error | null, unknown][] | null): T[] {
  if (!replies) throw new BackendError("A Redis pipeline was discarded (connection lost); retry.");
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value as T;
  });
}
