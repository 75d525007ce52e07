import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Installed by a runner for each execution: `Invocation.result()` calls it around its wait,
 * so a task awaiting a sub-invocation releases its runner slot (PAUSED) and takes it back
 * (RESUMED) when the result is ready. Nested and concurrent waits are counted by the runner.
 */
export interface PauseController {
  /** A wait for another invocation's result begins. */
  waitStarted(): void;
  /** That wait ended; resolves once the execution may continue (RESUMED recorded). */
  waitEnded(): Promise<void>;
}

/** What is running now, carried through async calls. Read by the logger and by sub-task calls. */
export interface ExecutionContext {
  invocationId: string;
  taskId: string;
  workflowId: string;
  runnerId: string;
  /** Set by runners that free the slot of a waiting task. */
  pause?: PauseController | undefined;
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
