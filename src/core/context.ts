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

/** What a running task can know about its own invocation: `task.context` or `currentContext()`. */
export interface TaskContext {
  /** This invocation's id: stable across retries and recoveries, a good idempotency key. */
  readonly invocationId: string;
  readonly taskId: string;
  /** The root invocation's id (the workflow identity); this invocation's own id for a root. */
  readonly workflowId: string;
  /** The invocation that called this one from inside a task, or null. */
  readonly parentId: string | null;
  /** The runner context (process, thread or child) executing it. */
  readonly runnerId: string;
  /** 1 on the first execution; +1 on each retry or recovery. */
  readonly attempt: number;
  /**
   * Aborted when the invocation is cancelled, handed back by its runner (shutdown) or taken by
   * another runner (recovered after this one was frozen); `signal.reason` is an AbortedError
   * saying which. Pass it to fetch, timers and drivers so the work stops early. A task that
   * ignores it still cannot record a result: the write is refused by its fencing token.
   */
  readonly signal: AbortSignal;
}

/** What is running now, carried through async calls. Read by the logger and by sub-task calls. */
export interface ExecutionContext extends TaskContext {
  /** Set by runners that free the slot of a waiting task. */
  pause?: PauseController | undefined;
  /** The fencing token the execution holds (workflow steps are recorded under it). */
  token?: number | undefined;
}

const storage = new AsyncLocalStorage<ExecutionContext>();

export function currentExecution(): ExecutionContext | undefined {
  return storage.getStore();
}

/** The context of the invocation running now, or undefined outside a running invocation. */
export function currentContext(): TaskContext | undefined {
  const c = storage.getStore();
  if (!c) return undefined;
  const { pause: _pause, token: _token, ...view } = c;
  return view;
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
