import { encode } from "../core/serialization.js";
import { TriggerDefinitionError } from "../errors/index.js";
import { type ConditionInput, type ConditionSpec, describeCondition, sourceTaskId } from "./conditions.js";

/** A trigger of one task, as declared: id `<task id>#<n>` (its place in the task's `triggers`). */
export interface RegisteredTrigger {
  readonly id: string;
  readonly taskId: string;
  /** one condition; any: one of them fires it; all: each must match since it last fired. */
  readonly mode: "one" | "any" | "all";
  readonly conditions: readonly ConditionSpec[];
}

/** One condition of one trigger, with its place in the trigger. */
export interface ConditionRef {
  readonly trigger: RegisteredTrigger;
  readonly index: number;
  readonly spec: ConditionSpec;
}

/** How the registry checks what a trigger names (the app provides it). */
export interface TriggerOwner {
  /** The app the triggers and events belong to. */
  readonly app: object;
  /** True when `task` (an id, or a task object by identity) is registered in the app. */
  isTask(id: string, task?: unknown): boolean;
}

/** The app's triggers, checked when declared. */
export class TriggerRegistry {
  private readonly list: RegisteredTrigger[] = [];

  constructor(private readonly owner: TriggerOwner) {}

  /** Record the `triggers` option of task `taskId`; a bad one is a TriggerDefinitionError. */
  add(taskId: string, option: unknown): void {
    if (option === undefined) return;
    const definitions: unknown[] = Array.isArray(option) ? option : [option];
    const added = definitions.map((def, n) => this.parse(`${taskId}#${n}`, taskId, def));
    this.list.push(...added);
  }

  private parse(id: string, taskId: string, def: unknown): RegisteredTrigger {
    const bad = (why: string) => new TriggerDefinitionError(`Trigger ${id}: ${why}`);
    if (!def || typeof def !== "object") {
      throw bad(
        "a trigger is a condition (cron, onEvent, onStatus, onResult, onError) or { any: [...] } / { all: [...] }.",
      );
    }
    const shape = def as { spec?: unknown; any?: unknown; all?: unknown };
    const mode = shape.spec ? "one" : Array.isArray(shape.any) ? "any" : Array.isArray(shape.all) ? "all" : null;
    if (!mode) throw bad("expected a condition, { any: [...] } or { all: [...] }.");
    const list = (mode === "one" ? [def] : mode === "any" ? shape.any : shape.all) as unknown[];
    if (list.length === 0) throw bad(`{ ${mode}: [] } lists no condition.`);
    const conditions = list.map((c) => {
      const spec = (c as { spec?: ConditionSpec } | null)?.spec;
      if (!spec || typeof spec !== "object") throw bad(`${mode} lists something that is not a condition.`);
      this.checkNames(id, spec);
      return spec;
    });
    return { id, taskId, mode, conditions };
  }

  private checkNames(id: string, spec: ConditionSpec): void {
    if (spec.kind === "event" && spec.event.owner !== this.owner.app) {
      throw new TriggerDefinitionError(
        `Trigger ${id}: event "${spec.event.name}" was made by another app; use this app's app.event().`,
      );
    }
    if (spec.kind === "status" || spec.kind === "result" || spec.kind === "error") {
      const source = sourceTaskId(spec);
      if (!this.owner.isTask(source, typeof spec.source === "string" ? undefined : spec.source)) {
        throw new TriggerDefinitionError(
          `Trigger ${id}: ${describeCondition(spec)} names task "${source}", which is not registered in this app; register it before the task it triggers.`,
        );
      }
    }
  }

  all(): readonly RegisteredTrigger[] {
    return this.list;
  }

  private refs(pick: (spec: ConditionSpec) => boolean): ConditionRef[] {
    return this.list.flatMap((trigger) =>
      trigger.conditions.flatMap((spec, index) => (pick(spec) ? [{ trigger, index, spec }] : [])),
    );
  }

  forEvent(name: string): ConditionRef[] {
    return this.refs((s) => s.kind === "event" && s.event.name === name);
  }

  crons(): ConditionRef[] {
    return this.refs((s) => s.kind === "cron");
  }

  /** Status, result and error conditions by the task they watch. */
  bySource(): Map<string, ConditionRef[]> {
    const out = new Map<string, ConditionRef[]>();
    for (const ref of this.refs((s) => s.kind === "status" || s.kind === "result" || s.kind === "error")) {
      const source = sourceTaskId(ref.spec as Extract<ConditionSpec, { source: unknown }>);
      out.set(source, [...(out.get(source) ?? []), ref]);
    }
    return out;
  }
}

/** Whether a matched input passes the condition's own filter (event payload, result, error class). */
export function passes(ref: ConditionRef, input: ConditionInput): boolean {
  const { spec } = ref;
  const run = (fn: () => boolean) => {
    try {
      return fn() === true;
    } catch (err) {
      throw new TriggerDefinitionError(`Trigger ${ref.trigger.id}: its filter threw: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };
  if (spec.kind === "event" && input.kind === "event") return !spec.filter || run(() => spec.filter!(input.payload));
  if (spec.kind === "result" && input.kind === "result") return !spec.filter || run(() => spec.filter!(input.result));
  if (spec.kind === "error" && input.kind === "error") {
    return spec.errors.length === 0 || spec.errors.some((cls) => cls === Error || cls.name === input.error.name);
  }
  if (spec.kind === "status" && input.kind === "status") return spec.statuses.includes(input.source.status);
  return spec.kind === "cron" && input.kind === "cron";
}

/**
 * The encoded argument list the condition calls its task with (none: no arguments). An `args`
 * function that throws, or arguments that do not serialize, are a TriggerDefinitionError
 * naming the trigger.
 */
export function triggerArgs(ref: ConditionRef, input: ConditionInput): string {
  const { spec, trigger } = ref;
  let args: unknown;
  try {
    args =
      spec.kind === "cron" && input.kind === "cron"
        ? spec.args?.(input.tick)
        : spec.kind === "event" && input.kind === "event"
          ? spec.args?.(input.payload, input.eventId)
          : spec.kind === "status" && input.kind === "status"
            ? spec.args?.(input.source)
            : spec.kind === "result" && input.kind === "result"
              ? spec.args?.(input.result, input.source)
              : spec.kind === "error" && input.kind === "error"
                ? spec.args?.(input.error, input.source)
                : undefined;
  } catch (err) {
    throw new TriggerDefinitionError(`Trigger ${trigger.id}: its args function threw: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const list = args ?? [];
  if (!Array.isArray(list)) {
    throw new TriggerDefinitionError(
      `Trigger ${trigger.id}: args must return the argument list (an array) for ${trigger.taskId}.`,
    );
  }
  try {
    return encode(list, `trigger ${trigger.id} arguments`);
  } catch (err) {
    throw new TriggerDefinitionError(
      `Trigger ${trigger.id}: the arguments for ${trigger.taskId} do not serialize: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
