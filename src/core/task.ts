import { TaskDefinitionError } from "../errors/index.js";
import type { ConcurrencyMode } from "./concurrency.js";
import { type ResolvedConcurrencyOptions, resolveConcurrencyOptions } from "./concurrency-options.js";
import type { TaskContext } from "./context.js";
import type { Invocation } from "./invocation.js";
import type { InvocationGroup } from "./invocation-group.js";
import type { Logger } from "./logger.js";

/** An error class (any constructor arguments): `never[]` accepts every parameter list without `any`. */
export type ErrorClass = abstract new (...args: never[]) => Error;

export interface TaskOptions<F extends TaskFunction = TaskFunction> {
  /** Task id; default: the function's name. Unique within the app. */
  name?: string;
  /** Retries after the first attempt for errors in `retryFor` (and RetryError). Default 0. */
  maxRetries?: number;
  /** Error classes that trigger a retry. RetryError always does. */
  retryFor?: readonly ErrorClass[];
  /** `parallelize` registers its calls in transactions of this many. Default 100 (pynenc's). */
  parallelBatchSize?: number;
  /**
   * While an invocation of the same scope (task / task and arguments / task and key) is not
   * final, a call returns that invocation's handle instead of running again. Default DISABLED.
   */
  registrationConcurrency?: ConcurrencyMode;
  /**
   * At most `runningConcurrencyLimit` invocations of a scope run (claimed, running, paused)
   * at once; a claim beyond it is held back (see rerouteOnConcurrencyControl). Default DISABLED.
   */
  runningConcurrency?: ConcurrencyMode;
  /** The key of a call for the "KEYS" modes, from the task's own arguments; must return a string. */
  concurrencyKey?: (...args: Parameters<F>) => string;
  /** Slots per running scope (beyond pynenc, which has 1). Default 1. */
  runningConcurrencyLimit?: number;
  /**
   * With registrationConcurrency "KEYS": a call whose key matches an unfinished invocation but
   * whose other arguments differ throws ConcurrencyConflictError instead of returning it. Default false.
   */
  onDiffNonKeyArgsRaise?: boolean;
  /**
   * A claim held back by runningConcurrency waits (CONCURRENCY_CONTROLLED) and is rerouted when
   * a slot of its scope frees; false (pynenc's default): it ends CONCURRENCY_CONTROLLED_FINAL.
   */
  rerouteOnConcurrencyControl?: boolean;
  /** The queue its calls go to; a runner takes work from its `runnerQueues` only. Default "default". */
  queue?: string;
  /**
   * Its calls' priority: an integer from -1000 to 1000, higher claimed first within a queue
   * (after the precedence of sub-invocations and returned work). Default 0.
   */
  priority?: number;
}

export interface ResolvedTaskOptions extends ResolvedConcurrencyOptions {
  maxRetries: number;
  retryFor: readonly ErrorClass[];
  parallelBatchSize: number;
  queue: string;
  priority: number;
}

/** One call's scheduling (`task.with(...)`): when, where and how urgent. */
export interface ScheduleOptions {
  /** Not started before this many milliseconds from the call (>= 0). */
  delayMs?: number;
  /** Not started before this time (a valid Date; a past time means now). Not with `delayMs`. */
  runAt?: Date;
  /** This call's priority (integer, -1000..1000, higher first); default: the task's. */
  priority?: number;
  /** This call's queue; default: the task's. */
  queue?: string;
}

// The one `any` in the API, a constraint only: a task's own parameter types are inferred from
// its function. With `never[]` instead, an unannotated parameter would be inferred as `never`
// and the task could not be called.
// biome-ignore lint/suspicious/noExplicitAny: the argument list is inferred per task
export type TaskFunction = (...args: any[]) => unknown;

/**
 * A registered task. Calling it records an invocation and routes it; the returned handle's
 * `result()` is typed by the function's return type.
 */
export interface Task<F extends TaskFunction> {
  (...args: Parameters<F>): Promise<Invocation<Awaited<ReturnType<F>>>>;
  readonly id: string;
  readonly options: ResolvedTaskOptions;
  /** Structured logger adding the invocation id, task id and runner id by itself. */
  readonly logger: Logger;
  /** The function itself (runners call it). */
  readonly fn: F;
  /**
   * The running invocation's context (id, attempt, ctx.signal...), read inside the task;
   * a NoContextError outside a running invocation of this task.
   */
  readonly context: TaskContext;
  /**
   * The task with one call's scheduling: `await task.with({ delayMs: 60_000 })(...args)`.
   * Bad options are an InvalidArgumentError here; nothing is recorded.
   */
  with(options: ScheduleOptions): (...args: Parameters<F>) => Promise<Invocation<Awaited<ReturnType<F>>>>;
  /** Call and await the result (pynenc's direct form): `await task.run(...args)`. */
  run(...args: Parameters<F>): Promise<Awaited<ReturnType<F>>>;
  /**
   * Register many calls, in transactions of `parallelBatchSize`; the group yields results as
   * they finish (`results()`) or all of them in input order (`all()`).
   */
  parallelize(argsList: ReadonlyArray<Parameters<F>>): Promise<InvocationGroup<Awaited<ReturnType<F>>>>;
}

export function resolveTaskId<F extends TaskFunction>(fn: F, options: TaskOptions<F>): string {
  const id = options.name ?? fn.name;
  if (!id) {
    throw new TaskDefinitionError(
      'A task needs an id: pass a named function (app.task(async function myTask() {...})) or { name: "myTask" }.',
    );
  }
  if (!/^[A-Za-z_$][\w$.:-]{0,199}$/.test(id)) {
    throw new TaskDefinitionError(`Task id "${id}" is not valid: use letters, digits, _ . : - (max 200).`);
  }
  return id;
}

export function resolveTaskOptions<F extends TaskFunction>(
  id: string,
  options: TaskOptions<F>,
): Omit<ResolvedTaskOptions, "queue" | "priority"> {
  const maxRetries = options.maxRetries ?? 0;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new TaskDefinitionError(`Task "${id}": maxRetries must be a non-negative integer, got ${maxRetries}.`);
  }
  for (const cls of options.retryFor ?? []) {
    if (typeof cls !== "function") {
      throw new TaskDefinitionError(`Task "${id}": retryFor must list error classes.`);
    }
  }
  const parallelBatchSize = options.parallelBatchSize ?? 100;
  if (!Number.isInteger(parallelBatchSize) || parallelBatchSize < 1) {
    throw new TaskDefinitionError(
      `Task "${id}": parallelBatchSize must be a positive integer, got ${parallelBatchSize}.`,
    );
  }
  const concurrency = resolveConcurrencyOptions(id, options);
  return { maxRetries, retryFor: options.retryFor ?? [], parallelBatchSize, ...concurrency };
}
