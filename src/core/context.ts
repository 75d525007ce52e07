import { AsyncLocalStorage } from "node:async_hooks";

/** What is running now, carried through async calls. Read by the logger and by sub-task calls. */
export interface ExecutionContext {
  invocationId: string;
  taskId: string;
  workflowId: string;
  runnerId: string;
}

const storage = new AsyncLocalStorage<ExecutionContext>();

export function currentExecution(): ExecutionContext | undefined {
  return storage.getStore();
}

export function runInExecution<T>(ctx: ExecutionContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The runner context id of this thread when it runs a runner (set once by the runner). */
let threadRunnerId: string | null = null;

export function setThreadRunnerId(id: string | null): void {
  threadRunnerId = id;
}

export function currentRunnerId(): string | null {
  return storage.getStore()?.runnerId ?? threadRunnerId;
}
