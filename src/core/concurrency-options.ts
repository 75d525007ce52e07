import { InvalidArgumentError, TaskDefinitionError } from "../errors/index.js";
import { CONCURRENCY_MODES, type ConcurrencyMode, isConcurrencyMode, scopeOf } from "./concurrency.js";
import type { ConcurrencyScopes } from "./contract/index.js";

/** A task's concurrency options as given (see TaskOptions). */
export interface ConcurrencyOptionsInput {
  registrationConcurrency?: ConcurrencyMode;
  runningConcurrency?: ConcurrencyMode;
  // biome-ignore lint/suspicious/noExplicitAny: checked at run time; typed by the task in TaskOptions
  concurrencyKey?: (...args: any[]) => string;
  runningConcurrencyLimit?: number;
  onDiffNonKeyArgsRaise?: boolean;
  rerouteOnConcurrencyControl?: boolean;
}

/** A task's concurrency options after validation (pynenc's defaults). */
export interface ResolvedConcurrencyOptions {
  registrationConcurrency: ConcurrencyMode;
  runningConcurrency: ConcurrencyMode;
  /** At most this many invocations per running scope hold a slot at once. Default 1. */
  runningConcurrencyLimit: number;
  onDiffNonKeyArgsRaise: boolean;
  rerouteOnConcurrencyControl: boolean;
}

/** Check a task's concurrency options at definition; a bad combination is a TaskDefinitionError. */
export function resolveConcurrencyOptions(id: string, o: ConcurrencyOptionsInput): ResolvedConcurrencyOptions {
  const fail = (why: string): never => {
    throw new TaskDefinitionError(`Task "${id}": ${why}`);
  };
  const mode = (name: string, v: unknown): ConcurrencyMode => {
    if (v === undefined) return "DISABLED";
    if (!isConcurrencyMode(v))
      fail(`${name} must be one of ${CONCURRENCY_MODES.join(", ")}, got ${JSON.stringify(v)}.`);
    return v as ConcurrencyMode;
  };
  const registrationConcurrency = mode("registrationConcurrency", o.registrationConcurrency);
  const runningConcurrency = mode("runningConcurrency", o.runningConcurrency);
  const usesKeys = registrationConcurrency === "KEYS" || runningConcurrency === "KEYS";
  if (o.concurrencyKey !== undefined && typeof o.concurrencyKey !== "function") {
    fail("concurrencyKey must be a function of the task's arguments returning a string.");
  }
  if (usesKeys && o.concurrencyKey === undefined) {
    fail('a "KEYS" concurrency mode needs concurrencyKey: (...args) => string, the key of a call.');
  }
  if (!usesKeys && o.concurrencyKey !== undefined) {
    fail('concurrencyKey is only used by a "KEYS" mode: set registrationConcurrency or runningConcurrency to "KEYS".');
  }
  const limit = o.runningConcurrencyLimit;
  if (limit !== undefined) {
    if (!Number.isInteger(limit) || limit < 1)
      fail(`runningConcurrencyLimit must be a positive integer, got ${limit}.`);
    if (runningConcurrency === "DISABLED")
      fail("runningConcurrencyLimit needs runningConcurrency TASK, ARGUMENTS or KEYS.");
  }
  for (const flag of ["onDiffNonKeyArgsRaise", "rerouteOnConcurrencyControl"] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== "boolean") fail(`${flag} must be a boolean.`);
  }
  if (o.onDiffNonKeyArgsRaise && registrationConcurrency !== "KEYS") {
    fail(
      'onDiffNonKeyArgsRaise compares the other arguments of same-key calls: it needs registrationConcurrency "KEYS".',
    );
  }
  if (o.rerouteOnConcurrencyControl && runningConcurrency === "DISABLED") {
    fail("rerouteOnConcurrencyControl needs runningConcurrency TASK, ARGUMENTS or KEYS.");
  }
  return {
    registrationConcurrency,
    runningConcurrency,
    runningConcurrencyLimit: limit ?? 1,
    onDiffNonKeyArgsRaise: o.onDiffNonKeyArgsRaise ?? false,
    rerouteOnConcurrencyControl: o.rerouteOnConcurrencyControl ?? false,
  };
}

/**
 * The scopes of one call, computed from its arguments; undefined when the task has no control.
 * A concurrencyKey that throws or returns a non-string is an InvalidArgumentError (nothing is
 * recorded).
 */
export function concurrencyScopesOf(
  taskId: string,
  o: ResolvedConcurrencyOptions,
  key: ((...args: never[]) => unknown) | undefined,
  args: readonly unknown[],
  encodedArgs: string,
): { scopes: ConcurrencyScopes; key: string | null } | undefined {
  if (o.registrationConcurrency === "DISABLED" && o.runningConcurrency === "DISABLED") return undefined;
  let k: string | null = null;
  if (key) {
    let value: unknown;
    try {
      value = (key as (...a: unknown[]) => unknown)(...args);
    } catch (err) {
      throw new InvalidArgumentError(
        `Task "${taskId}": concurrencyKey threw (${err instanceof Error ? err.message : String(err)}); fix it so it returns a string for every call. Nothing was recorded.`,
        { cause: err },
      );
    }
    if (typeof value !== "string") {
      throw new InvalidArgumentError(
        `Task "${taskId}": concurrencyKey must return a string, got ${value === null ? "null" : typeof value}. Nothing was recorded.`,
      );
    }
    k = value;
  }
  return {
    key: k,
    scopes: {
      registrationScope: scopeOf(o.registrationConcurrency, taskId, encodedArgs, k),
      runningScope: scopeOf(o.runningConcurrency, taskId, encodedArgs, k),
      runningLimit: o.runningConcurrencyLimit,
      rerouteWhenBlocked: o.rerouteOnConcurrencyControl,
    },
  };
}
