/**
 * Every error nenc throws, in one place. Each has a stable `code` (assert on it, not on the
 * message), a message that says what to do, and keeps its `cause`.
 */

export const ErrorCode = {
  Config: "NENC_CONFIG",
  TaskDefinition: "NENC_TASK_DEFINITION",
  TriggerDefinition: "NENC_TRIGGER_DEFINITION",
  NonDeterminism: "NENC_NON_DETERMINISM",
  Workflow: "NENC_WORKFLOW",
  UnknownTask: "NENC_UNKNOWN_TASK",
  Serialization: "NENC_SERIALIZATION",
  InvocationNotFound: "NENC_INVOCATION_NOT_FOUND",
  Timeout: "NENC_TIMEOUT",
  TaskFailed: "NENC_TASK_FAILED",
  Retry: "NENC_RETRY",
  CorruptRecord: "NENC_CORRUPT_RECORD",
  Backend: "NENC_BACKEND",
  AppLoad: "NENC_APP_LOAD",
  Runner: "NENC_RUNNER",
  Cancelled: "NENC_CANCELLED",
  MissingDependency: "NENC_MISSING_DEPENDENCY",
  NoContext: "NENC_NO_CONTEXT",
  InvalidArgument: "NENC_INVALID_ARGUMENT",
  Aborted: "NENC_ABORTED",
  ConcurrencyControlled: "NENC_CONCURRENCY_CONTROLLED",
  ConcurrencyConflict: "NENC_CONCURRENCY_CONFLICT",
  ValueTooLarge: "NENC_VALUE_TOO_LARGE",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class NencError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A config key is unknown, has the wrong type, or an invalid value. Names the key and its source. */
export class ConfigError extends NencError {
  constructor(
    message: string,
    readonly key: string,
    readonly source: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.Config, message, options);
  }
}

/** A task was declared wrongly (no id, a duplicate id, bad options). */
export class TaskDefinitionError extends NencError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.TaskDefinition, message, options);
  }
}

/**
 * A trigger or event was declared wrongly (a bad cron expression or time zone, a source task
 * not registered in the app, arguments that do not serialize); names the trigger.
 */
export class TriggerDefinitionError extends NencError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.TriggerDefinition, message, options);
  }
}

/**
 * A workflow's replay asked for a different step than the one recorded at that number (another
 * kind, task or name): the workflow's code changed or depends on something not recorded. The
 * workflow fails; make the order of its wf.* calls depend only on its arguments and recorded
 * values.
 */
export class NonDeterminismError extends NencError {
  constructor(
    readonly stepNo: number,
    readonly recorded: string,
    readonly asked: string,
  ) {
    super(
      ErrorCode.NonDeterminism,
      `Workflow step ${stepNo} was recorded as ${recorded} but the replay asked for ${asked}. The workflow's wf.* calls must come in the same order on every run (depend only on its arguments and recorded values).`,
    );
  }
}

/** A workflow context used wrongly: a wf.* call outside its workflow's execution or after the workflow returned. */
export class WorkflowError extends NencError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Workflow, message, options);
  }
}

/** An invocation names a task id that this process has not registered. */
export class UnknownTaskError extends NencError {
  constructor(
    readonly taskId: string,
    known: readonly string[],
  ) {
    super(
      ErrorCode.UnknownTask,
      `No task "${taskId}" is registered in this app (known: ${known.join(", ") || "none"}). ` +
        "Make sure the runner loads the module that declares it (nenc runner start --app <file>).",
    );
  }
}

/** An argument or result cannot be stored as JSON. The path says which value. */
export class SerializationError extends NencError {
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.Serialization, message, options);
  }
}

export class InvocationNotFoundError extends NencError {
  constructor(readonly invocationId: string) {
    super(
      ErrorCode.InvocationNotFound,
      `Invocation ${invocationId} does not exist in this app (it may have been purged).`,
    );
  }
}

export class TimeoutError extends NencError {
  constructor(message: string) {
    super(ErrorCode.Timeout, message);
  }
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: string | undefined;
  cause?: SerializedError | undefined;
}

/**
 * A task ended FAILED. `result()` rethrows this; it keeps the original error's name, message
 * and stack (`originalName`, `message`, `stack`) and its cause chain.
 */
export class TaskFailedError extends NencError {
  readonly originalName: string;
  readonly originalCode: string | undefined;
  constructor(
    readonly invocationId: string,
    readonly taskId: string,
    readonly original: SerializedError,
  ) {
    // A cancelled invocation's result() rejects with the NENC_CANCELLED code.
    super(original.code === ErrorCode.Cancelled ? ErrorCode.Cancelled : ErrorCode.TaskFailed, original.message, {
      cause: original.cause ? restoreError(original.cause) : undefined,
    });
    this.originalName = original.name;
    this.originalCode = original.code;
    if (original.stack) this.stack = original.stack;
  }
}

/** Throw this from a task to ask for a retry (counts against `maxRetries`). */
export class RetryError extends NencError {
  constructor(message = "Task asked to be retried", options?: { cause?: unknown }) {
    super(ErrorCode.Retry, message, options);
  }
}

/** A stored row could not be decoded. Nothing is deleted; the id says which. */
export class CorruptRecordError extends NencError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CorruptRecord, message, options);
  }
}

/** A backend could not be reached or failed. The URL is shown without its password. */
export class BackendError extends NencError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Backend, message, options);
  }
}

/** `--app` is missing, not loadable, or exports no Nenc app. */
/**
 * A package nenc loads on demand is not installed: a database driver (ioredis, pg) for the
 * engine the config chose, or tsx for a TypeScript app or config file. Names the package.
 */
export class MissingDependencyError extends NencError {
  constructor(
    readonly packageName: string,
    why: string,
    options?: { cause?: unknown },
  ) {
    super(
      ErrorCode.MissingDependency,
      `${why} needs the package "${packageName}", which is not installed: run npm install ${packageName}.`,
      options,
    );
  }
}

/** Whether `err` says that `packageName` itself (not something it imports) could not be found. */
export function isMissingPackage(err: unknown, packageName: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return (
    (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND") &&
    typeof e.message === "string" &&
    e.message.includes(`'${packageName}'`)
  );
}

export class AppLoadError extends NencError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.AppLoad, message, options);
  }
}

/**
 * Stored as the error of an invocation that was cancelled (it ends FAILED); `result()` callers
 * get a TaskFailedError whose `originalCode` is NENC_CANCELLED.
 */
/** A call's options or a query is invalid (a bad limit, an unknown status...): nothing was done. */
export class InvalidArgumentError extends NencError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.InvalidArgument, message, options);
  }
}

/** `task.context` was read outside a running invocation of that task. */
export class NoContextError extends NencError {
  constructor(message: string) {
    super(ErrorCode.NoContext, message);
  }
}

/**
 * An argument list or a result is larger than `maxValueBytes`: refused at the call (nothing is
 * recorded), or the invocation ends FAILED with this error (a result).
 */
export class ValueTooLargeError extends NencError {
  constructor(
    readonly path: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      ErrorCode.ValueTooLarge,
      `${path} take ${bytes} bytes as JSON, above maxValueBytes (${limit}): store the data elsewhere (a file, an object store) and pass its reference, or raise maxValueBytes.`,
    );
  }
}

/** Why a running invocation's `ctx.signal` was aborted (its `signal.reason`). */
export class AbortedError extends NencError {
  constructor(
    readonly invocationId: string,
    readonly why: "cancelled" | "handed back" | "ownership lost",
    detail: string,
  ) {
    super(ErrorCode.Aborted, `Invocation ${invocationId} was ${why}: ${detail}. Its result will not be recorded.`);
  }
}

export class CancelledError extends NencError {
  constructor(
    readonly invocationId: string,
    reason: string,
  ) {
    super(ErrorCode.Cancelled, `Invocation ${invocationId} was cancelled: ${reason}`);
  }
}

export class RunnerError extends NencError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Runner, message, options);
  }
}

/** Turn anything thrown into an Error (tasks may throw strings or objects). */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === "string") return new Error(thrown);
  let text: string;
  try {
    text = JSON.stringify(thrown) ?? String(thrown);
  } catch {
    text = String(thrown);
  }
  return new Error(`Non-error thrown: ${text}`);
}

export function serializeError(thrown: unknown, depth = 0): SerializedError {
  const err = coerceError(thrown);
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message,
    stack: err.stack,
    code: typeof code === "string" ? code : undefined,
    cause: err.cause !== undefined && depth < 8 ? serializeError(err.cause, depth + 1) : undefined,
  };
}

export function restoreError(data: SerializedError): Error {
  const err = new Error(data.message, {
    cause: data.cause ? restoreError(data.cause) : undefined,
  });
  err.name = data.name;
  if (data.stack) err.stack = data.stack;
  return err;
}

/** Redact the password of a connection URL before it appears in a message. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}

/**
 * Stored as the outcome of an invocation that ended CONCURRENCY_CONTROLLED_FINAL: its
 * running-concurrency scope was full and the task does not reroute (pynenc's default), or it
 * was a duplicate registration. `result()` rejects with a TaskFailedError of this code.
 */
export class ConcurrencyControlledError extends NencError {
  constructor(
    readonly invocationId: string,
    readonly scope: string,
    detail: string,
  ) {
    super(
      ErrorCode.ConcurrencyControlled,
      `Invocation ${invocationId} was not run: ${detail} (scope ${scope}). Set rerouteOnConcurrencyControl: true on the task to run it once a slot frees.`,
    );
  }
}

/**
 * A call with the same concurrency key as a registered, unfinished invocation but different
 * other arguments, on a task with onDiffNonKeyArgsRaise: nothing was recorded.
 */
export class ConcurrencyConflictError extends NencError {
  constructor(
    readonly taskId: string,
    readonly existingId: string,
    readonly key: string,
  ) {
    super(
      ErrorCode.ConcurrencyConflict,
      `Task "${taskId}": invocation ${existingId} with concurrency key "${key}" is registered and not finished, and its other arguments differ from this call's; nothing was recorded. Wait for ${existingId} to finish, or set onDiffNonKeyArgsRaise: false to get its handle instead.`,
    );
  }
}
