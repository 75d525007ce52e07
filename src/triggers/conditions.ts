import { Cron } from "croner";
import { isStatus, type Status } from "../core/status.js";
import type { ErrorClass, Task, TaskFunction } from "../core/task.js";
import { TriggerDefinitionError } from "../errors/index.js";
import type { NencEvent } from "./event.js";

/** The invocation whose status, result or error matched a condition. */
export interface SourceInvocation {
  readonly id: string;
  readonly taskId: string;
  readonly status: Status;
}

/** What a matched condition hands to its `args` function. */
export type ConditionInput =
  | { kind: "cron"; tick: Date }
  | { kind: "event"; payload: unknown; eventId: string }
  | { kind: "status"; source: SourceInvocation }
  | { kind: "result"; result: unknown; source: SourceInvocation }
  | { kind: "error"; error: Error; source: SourceInvocation };

/** One condition as the trigger service reads it (types erased; the builders keep them). */
export type ConditionSpec =
  | {
      kind: "cron";
      expression: string;
      timezone: string;
      catchUp: boolean;
      /** A paused schedule, only asked for its next tick. */
      schedule: Cron;
      args?: ((tick: Date) => unknown[]) | undefined;
    }
  | {
      kind: "event";
      event: NencEvent<unknown>;
      filter?: ((payload: unknown) => boolean) | undefined;
      args?: ((payload: unknown, eventId: string) => unknown[]) | undefined;
    }
  | {
      kind: "status";
      source: Task<TaskFunction> | string;
      statuses: readonly Status[];
      args?: ((source: SourceInvocation) => unknown[]) | undefined;
    }
  | {
      kind: "result";
      source: Task<TaskFunction> | string;
      filter?: ((result: unknown) => boolean) | undefined;
      args?: ((result: unknown, source: SourceInvocation) => unknown[]) | undefined;
    }
  | {
      kind: "error";
      source: Task<TaskFunction> | string;
      errors: readonly ErrorClass[];
      args?: ((error: Error, source: SourceInvocation) => unknown[]) | undefined;
    };

/**
 * A condition that starts a task: `cron`, `onEvent`, `onStatus`, `onResult` or `onError`.
 * `A` is the argument list its `args` function returns (none given: the task is called with no
 * arguments), checked against the triggered task's parameters.
 */
export interface TriggerCondition<A extends readonly unknown[] = []> {
  readonly spec: ConditionSpec;
  /** Type only: the argument list this condition calls its task with. */
  readonly __args?: A;
}

/** A task's trigger: one condition, or several combined (`any`: one of them; `all`: each since the last firing). */
export type TriggerDefinition<A extends readonly unknown[] = []> =
  | TriggerCondition<A>
  | { readonly any: ReadonlyArray<TriggerCondition<A>> }
  | { readonly all: ReadonlyArray<TriggerCondition<A>> };

/** The `triggers` task option: one trigger or a list of independent ones. */
export type TriggerOption<A extends readonly unknown[]> = TriggerDefinition<A> | ReadonlyArray<TriggerDefinition<A>>;

/** Infer `args` results as tuples (`[p.id]` is `[string]`, not `string[]`). */
type Tuple = readonly unknown[] | [];

function checkTimezone(expression: string, timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch (err) {
    throw new TriggerDefinitionError(
      `cron("${expression}"): unknown time zone "${timezone}"; use an IANA name such as "UTC" or "Europe/Paris".`,
      { cause: err },
    );
  }
}

/**
 * Starts the task on a cron schedule: 5 fields, or 6 with seconds first (`"0 0 3 * * *"`), in
 * `timezone` (default UTC). Each tick starts it once across all runners (decided by the
 * backend's clock); a tick missed while no runner was up is skipped unless `catchUp`.
 */
export function cron<A extends Tuple = []>(
  expression: string,
  options: { timezone?: string; catchUp?: boolean; args?: (tick: Date) => A } = {},
): TriggerCondition<NoInfer<A>> {
  const timezone = options.timezone ?? "UTC";
  if (typeof expression !== "string" || expression.trim() === "") {
    throw new TriggerDefinitionError('cron() takes a cron expression such as "0 0 3 * * *".');
  }
  checkTimezone(expression, timezone);
  let schedule: Cron;
  try {
    schedule = new Cron(expression, { timezone, paused: true });
  } catch (err) {
    throw new TriggerDefinitionError(
      `cron("${expression}") is not a valid cron expression: ${(err as Error).message}. Use 5 fields, or 6 with seconds first.`,
      { cause: err },
    );
  }
  if (schedule.nextRun() === null) {
    throw new TriggerDefinitionError(`cron("${expression}") never fires.`);
  }
  checkFunction("cron", "args", options.args);
  return {
    spec: {
      kind: "cron",
      expression,
      timezone,
      catchUp: options.catchUp ?? false,
      schedule,
      args: options.args as ((tick: Date) => unknown[]) | undefined,
    },
  };
}

/** Starts the task once per emitted event (with a payload passing `filter`), exactly once per event. */
export function onEvent<P, A extends Tuple = []>(
  event: NencEvent<P>,
  options: { filter?: (payload: P) => boolean; args?: (payload: P, eventId: string) => A } = {},
): TriggerCondition<NoInfer<A>> {
  if (!event || typeof event !== "object" || typeof event.emit !== "function") {
    throw new TriggerDefinitionError("onEvent() takes an event made by app.event(name).");
  }
  checkFunction(`onEvent(${event.name})`, "filter", options.filter);
  checkFunction(`onEvent(${event.name})`, "args", options.args);
  return {
    spec: {
      kind: "event",
      event: event as NencEvent<unknown>,
      filter: options.filter as ((payload: unknown) => boolean) | undefined,
      args: options.args as ((payload: unknown, eventId: string) => unknown[]) | undefined,
    },
  };
}

/** Starts the task when an invocation of `task` reaches one of `statuses` (final ones are never missed). */
export function onStatus<A extends Tuple = []>(
  task: Task<TaskFunction> | string,
  statuses: Status | readonly Status[],
  options: { args?: (source: SourceInvocation) => A } = {},
): TriggerCondition<NoInfer<A>> {
  const list: readonly Status[] = typeof statuses === "string" ? [statuses] : statuses;
  const what = `onStatus(${sourceName(task)})`;
  if (!Array.isArray(list) || list.length === 0) throw new TriggerDefinitionError(`${what} takes one status or more.`);
  for (const s of list) {
    if (!isStatus(s)) throw new TriggerDefinitionError(`${what}: "${String(s)}" is not a status.`);
  }
  checkFunction(what, "args", options.args);
  return {
    spec: {
      kind: "status",
      source: task,
      statuses: list,
      args: options.args as ((source: SourceInvocation) => unknown[]) | undefined,
    },
  };
}

/** Starts the task when an invocation of `task` succeeds (with a result passing `filter`). */
export function onResult<F extends TaskFunction, A extends Tuple = []>(
  task: Task<F> | string,
  options: {
    filter?: (result: Awaited<ReturnType<F>>) => boolean;
    args?: (result: Awaited<ReturnType<F>>, source: SourceInvocation) => A;
  } = {},
): TriggerCondition<NoInfer<A>> {
  const what = `onResult(${sourceName(task)})`;
  checkFunction(what, "filter", options.filter);
  checkFunction(what, "args", options.args);
  return {
    spec: {
      kind: "result",
      source: task as Task<TaskFunction> | string,
      filter: options.filter as ((result: unknown) => boolean) | undefined,
      args: options.args as ((result: unknown, source: SourceInvocation) => unknown[]) | undefined,
    },
  };
}

/**
 * Starts the task when an invocation of `task` fails (for good, after its retries), with an
 * error of one of `errors` (matched by class name; none given: any error).
 */
export function onError<A extends Tuple = []>(
  task: Task<TaskFunction> | string,
  options: { errors?: readonly ErrorClass[]; args?: (error: Error, source: SourceInvocation) => A } = {},
): TriggerCondition<NoInfer<A>> {
  const what = `onError(${sourceName(task)})`;
  for (const cls of options.errors ?? []) {
    if (typeof cls !== "function") throw new TriggerDefinitionError(`${what}: errors must list error classes.`);
  }
  checkFunction(what, "args", options.args);
  return {
    spec: {
      kind: "error",
      source: task,
      errors: options.errors ?? [],
      args: options.args as ((error: Error, source: SourceInvocation) => unknown[]) | undefined,
    },
  };
}

function sourceName(task: Task<TaskFunction> | string): string {
  return typeof task === "string" ? task : typeof task === "function" ? task.id : String(task);
}

function checkFunction(what: string, option: string, fn: unknown): void {
  if (fn !== undefined && typeof fn !== "function") {
    throw new TriggerDefinitionError(`${what}: ${option} must be a function.`);
  }
}

/** A readable one-line description of a condition (monitor, errors). */
export function describeCondition(spec: ConditionSpec): string {
  switch (spec.kind) {
    case "cron":
      return `cron ${spec.expression} (${spec.timezone}${spec.catchUp ? ", catch up" : ""})`;
    case "event":
      return `event ${spec.event.name}${spec.filter ? " (filtered)" : ""}`;
    case "status":
      return `${sourceName(spec.source)} reaches ${spec.statuses.join(" or ")}`;
    case "result":
      return `result of ${sourceName(spec.source)}${spec.filter ? " (filtered)" : ""}`;
    case "error":
      return `error of ${sourceName(spec.source)}${spec.errors.length ? ` (${spec.errors.map((e) => e.name).join(", ")})` : ""}`;
  }
}

/** The task id a source condition watches. */
export function sourceTaskId(spec: Extract<ConditionSpec, { source: unknown }>): string {
  return sourceName(spec.source);
}
