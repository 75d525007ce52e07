import type { ResolvedConfig } from "./config/resolve.js";
import type { NencConfigInput } from "./config/schema.js";
import { concurrencyScopesOf } from "./core/concurrency-options.js";
import { currentContext, type TaskContext } from "./core/context.js";
import type { Components, TriggerOrigin } from "./core/contract/index.js";
import { checkFindQuery, type FindInvocationsQuery } from "./core/find-query.js";
import { newInvocationId } from "./core/ids.js";
import { Invocation, type InvocationAccess } from "./core/invocation.js";
import { InvocationGroup } from "./core/invocation-group.js";
import { resolveValue } from "./core/large-values.js";
import type { Logger } from "./core/logger.js";
import { findInvocations } from "./core/operations/find-invocations.js";
import { decode, encode } from "./core/serialization.js";
import {
  resolveTaskId,
  resolveTaskOptions,
  type ScheduleOptions,
  type Task,
  type TaskFunction,
  type TaskOptions,
} from "./core/task.js";
import {
  BackendError,
  ConcurrencyConflictError,
  NoContextError,
  TaskDefinitionError,
  TriggerDefinitionError,
  UnknownTaskError,
} from "./errors/index.js";
import { AppRuntime, type RegisterFixed } from "./runtime.js";
import { type CallSchedule, resolveCallSchedule, resolveTaskSchedule } from "./scheduling/schedule.js";
import type { TriggerOption } from "./triggers/conditions.js";
import { NencEvent } from "./triggers/event.js";
import { checkEmit, checkEventName, EVENT_TASK_ID, evaluateEvent } from "./triggers/events.js";
import { TriggerFirer } from "./triggers/firing.js";
import { TriggerRegistry } from "./triggers/registry.js";
import { type Workflow, type WorkflowFunction, workflowBody, workflowData } from "./workflows/definition.js";

export type NencOptions = NencConfigInput;

/** The options of `app.workflow()`: a task's, and pynenc's `forceNewWorkflow`. */
export interface WorkflowOptions<F extends TaskFunction> extends AppTaskOptions<F> {
  /** Called inside another workflow, start a workflow of its own instead of a child workflow. Default false. */
  forceNewWorkflow?: boolean;
}

/** The options of `app.task()`: the task's own (core) and the tasks, events and times that start it. */
export interface AppTaskOptions<F extends TaskFunction> extends TaskOptions<F> {
  /**
   * What starts this task by itself: `cron(...)`, `onEvent(...)`, `onStatus(...)`,
   * `onResult(...)`, `onError(...)`, `{ any: [...] }` or `{ all: [...] }`, or a list of them
   * (each fires on its own). A trigger's id is `<task id>#<its place in the list>`.
   */
  triggers?: TriggerOption<Parameters<F>>;
}

/**
 * What runners, the monitor and the CLI need from an app: a narrow view of its runtime, not
 * the runtime itself. Not part of the package entry.
 */
export interface AppServices {
  components(): Promise<Components>;
  /** A child of the app's logger, tagged with `component`. */
  logger(component: string): Logger;
  /** Record and route one invocation of a registered task with already-encoded arguments. */
  register(taskId: string, args: string): Promise<string>;
  /** Write captured task log lines now (before a worker stops). */
  flushLogs(): Promise<void>;
  /** The app's triggers (runners evaluate them, the monitor lists them). */
  triggers(): TriggerRegistry;
  /** Starts triggered invocations, exactly once per match. */
  firer(): Promise<TriggerFirer>;
}

const services = new WeakMap<Nenc, AppServices>();

/** The narrow view of `app` for runners, the monitor and the CLI. */
export function appServices(app: Nenc): AppServices {
  const s = services.get(app);
  if (!s) throw new TypeError("appServices() takes a Nenc app.");
  return s;
}

/**
 * The app: holds the task registry and wires the components chosen by config.
 * All logic lives in core/, backends/, runners/ and recovery/.
 */
export class Nenc {
  private readonly runtime: AppRuntime;
  private readonly registry = new Map<string, Task<TaskFunction>>();
  private readonly access: InvocationAccess;
  private readonly concurrencyKeys = new Map<string, (...args: never[]) => unknown>();
  private readonly triggers: TriggerRegistry;
  private readonly events = new Map<string, NencEvent<unknown>>();
  private firing: Promise<TriggerFirer> | null = null;
  /** Workflows that start a workflow of their own even when called inside another one. */
  private readonly ownWorkflows = new Set<string>();

  constructor(options: NencOptions = {}) {
    this.runtime = new AppRuntime(options);
    this.access = {
      orchestrator: async () => (await this.runtime.getComponents()).orchestrator,
      values: async () => (await this.runtime.getComponents()).stateBackend,
      data: async () => (await this.runtime.getComponents()).stateBackend,
      waiter: () => this.runtime.waiter(),
    };
    const runtime = this.runtime;
    this.triggers = new TriggerRegistry({
      app: this,
      isTask: (id, task) => (task === undefined ? this.registry.has(id) : this.registry.get(id) === task),
    });
    services.set(this, {
      components: () => runtime.getComponents(),
      logger: (component) => runtime.log.child({ component }),
      register: (taskId, args) => this.registerNow(taskId, null, args),
      flushLogs: () => runtime.flushLogs(),
      triggers: () => this.triggers,
      firer: () => this.triggerFirer(),
    });
  }

  private triggerFirer(): Promise<TriggerFirer> {
    this.firing ??= (async () => {
      const { orchestrator } = await this.runtime.getComponents();
      const { config } = await this.runtime.config();
      return new TriggerFirer({
        appId: config.appId,
        orchestrator,
        register: async (taskId, args, id, origin: TriggerOrigin) => {
          await this.registerNow(taskId, null, args, { id, origin, detached: true });
        },
      });
    })();
    this.firing.catch(() => {
      this.firing = null;
    });
    return this.firing;
  }

  /**
   * A named event with a typed payload: `const paid = app.event<{ orderId: string }>("order.paid")`,
   * then `onEvent(paid, ...)` in a task's triggers and `await paid.emit(payload)`. The name is
   * unique in the app; emitted events are recorded durably and evaluated by a runner.
   */
  event<P>(name: string): NencEvent<P> {
    checkEventName(name);
    if (this.events.has(name)) {
      throw new TriggerDefinitionError(
        `An event "${name}" is already declared in this app; event names must be unique.`,
      );
    }
    if (!this.registry.has(EVENT_TASK_ID)) {
      this.task(
        async (eventName: string, payload: unknown) => {
          const ctx = currentContext();
          if (!ctx) throw new NoContextError(`${EVENT_TASK_ID} runs on a runner only.`);
          return evaluateEvent(this.triggers, await this.triggerFirer(), eventName, payload, ctx.invocationId);
        },
        { name: EVENT_TASK_ID, maxRetries: 5, retryFor: [BackendError] },
      );
    }
    const event = new NencEvent<P>(name, (n, payload) => this.emit(n, payload), this);
    this.events.set(name, event as NencEvent<unknown>);
    return event;
  }

  private async emit(name: string, payload: unknown): Promise<string> {
    const encoded = encode([name, payload], `event ${name} payload`);
    const id = newInvocationId();
    checkEmit(this.triggers, name, payload, id);
    return this.registerNow(EVENT_TASK_ID, [name, payload], encoded, { id, detached: true });
  }

  /**
   * Register a workflow: a task whose `wf.*` calls are recorded steps, so a run taken over
   * after its runner died (or woken after `wf.sleep`) replays them instead of running them
   * again. Called, awaited and typed like any task; `.data(id)` reads its workflow data.
   */
  workflow<A extends unknown[], R>(
    fn: WorkflowFunction<A, R>,
    options: WorkflowOptions<(...args: A) => Promise<Awaited<R>>> = {},
  ): Workflow<(...args: A) => Promise<Awaited<R>>> {
    if (typeof fn !== "function")
      throw new TaskDefinitionError("app.workflow() takes a function (wf, ...args) => ....");
    const { forceNewWorkflow, ...taskOptions } = options;
    const components = () => this.runtime.getComponents();
    const body = workflowBody(fn, {
      components,
      registerChild: async (taskId, args, id) => {
        await this.registerNow(taskId, args, encode(args, `${taskId} arguments`), { id });
      },
    });
    Object.defineProperty(body, "name", { value: fn.name });
    const task = this.task(body, taskOptions);
    if (forceNewWorkflow) this.ownWorkflows.add(task.id);
    return Object.assign(task, { data: (invocationId: string) => workflowData(components, invocationId) });
  }

  /** Register a task. Its id is `options.name` or the function's name. */
  task<F extends TaskFunction>(fn: F, options: AppTaskOptions<F> = {}): Task<F> {
    if (typeof fn !== "function") throw new TaskDefinitionError("app.task() takes a function.");
    const id = resolveTaskId(fn, options);
    if (this.registry.has(id)) {
      throw new TaskDefinitionError(`A task "${id}" is already registered in this app; task ids must be unique.`);
    }
    const resolved = { ...resolveTaskOptions(id, options), ...resolveTaskSchedule(id, options) };
    this.triggers.add(id, options.triggers);
    if (options.concurrencyKey) this.concurrencyKeys.set(id, options.concurrencyKey);
    const logger = this.runtime.log.child({ taskId: id });
    type R = Awaited<ReturnType<F>>;
    const callWith =
      (schedule: CallSchedule) =>
      async (...args: Parameters<F>): Promise<Invocation<R>> => {
        const encoded = encode(args, `${id} arguments`);
        const invId = await this.registerCall(id, args, encoded, schedule);
        return new Invocation<R>(invId, id, this.access);
      };
    const call = callWith({ queue: resolved.queue, priority: resolved.priority, runAt: null });
    const task = Object.assign(call, {
      id,
      options: resolved,
      logger,
      fn,
      with: (opts: ScheduleOptions) => callWith(resolveCallSchedule(id, resolved, opts)),
      run: async (...args: Parameters<F>): Promise<R> => (await call(...args)).result(),
      parallelize: async (argsList: ReadonlyArray<Parameters<F>>): Promise<InvocationGroup<R>> => {
        const all: Invocation<R>[] = [];
        // Calls made in one turn are registered together: one transaction per batch.
        for (let i = 0; i < argsList.length; i += resolved.parallelBatchSize) {
          const batch = argsList.slice(i, i + resolved.parallelBatchSize);
          all.push(...(await Promise.all(batch.map((a) => call(...a)))));
        }
        return new InvocationGroup(all);
      },
    });
    Object.defineProperty(task, "context", {
      get: (): TaskContext => {
        const ctx = currentContext();
        if (ctx?.taskId === id) return ctx;
        throw new NoContextError(
          ctx
            ? `${id}.context was read while ${ctx.taskId} runs; read the context of the running task, or use currentContext().`
            : `${id}.context is only available inside a running invocation of ${id}; use currentContext() in helpers that may run elsewhere.`,
        );
      },
    });
    // `app.task(async function t() { t.logger... })`: inside a named function expression the
    // name is the raw function, so give it the logger too.
    if (!("logger" in fn)) Object.defineProperty(fn, "logger", { value: logger });
    this.registry.set(id, task as unknown as Task<TaskFunction>);
    return task as Task<F>;
  }

  /**
   * Register one call: its concurrency scopes computed from its arguments (a bad key is an
   * error here, before anything is recorded), then recorded and routed. Returns the id of the
   * invocation the call resolves to: a new one, or the unfinished one holding its
   * registration scope.
   */
  private async registerCall(
    taskId: string,
    args: readonly unknown[],
    encoded: string,
    schedule: CallSchedule,
    fixed: RegisterFixed = {},
  ): Promise<string> {
    const task = this.getTask(taskId);
    const control = concurrencyScopesOf(taskId, task.options, this.concurrencyKeys.get(taskId), args, encoded);
    if (control?.scopes.registrationScope && task.options.onDiffNonKeyArgsRaise) {
      const { orchestrator, stateBackend } = await this.runtime.getComponents();
      const holder = await orchestrator.registrationHolder(control.scopes.registrationScope);
      if (holder !== null) {
        const existing = (await stateBackend.getInvocations([holder])).get(holder);
        // Large arguments are stored by reference: compare the values themselves.
        if (existing && (await resolveValue(stateBackend, existing.args)) !== encoded) {
          throw new ConcurrencyConflictError(taskId, holder, control.key ?? "");
        }
      }
    }
    const own = this.ownWorkflows.has(taskId) ? { newWorkflow: true } : {};
    return this.runtime.register(taskId, encoded, schedule, control?.scopes, { ...own, ...fixed });
  }

  /**
   * A call made by nenc itself (the CLI, a trigger, an event, a workflow's child), due now in
   * the task's own queue and priority. `args` null: decoded from `encoded`.
   */
  private registerNow(
    taskId: string,
    args: readonly unknown[] | null,
    encoded: string,
    fixed: RegisterFixed = {},
  ): Promise<string> {
    const { options } = this.getTask(taskId);
    const list = args ?? decode(encoded);
    const schedule = { queue: options.queue, priority: options.priority, runAt: null };
    return this.registerCall(taskId, Array.isArray(list) ? list : [], encoded, schedule, fixed);
  }

  /** The task registered under `id`; throws UnknownTaskError naming the known ids. */
  getTask(id: string): Task<TaskFunction> {
    const task = this.registry.get(id);
    if (!task) throw new UnknownTaskError(id, [...this.registry.keys()]);
    return task;
  }

  get taskIds(): string[] {
    return [...this.registry.keys()];
  }

  /** A handle for an existing invocation. */
  getInvocation<R = unknown>(id: string, taskId = ""): Invocation<R> {
    return new Invocation<R>(id, taskId, this.access);
  }

  /**
   * Invocations by task, status, workflow, parent and creation time, newest first, as typed
   * handles. Bounded: `limit` (default 100, at most 1000) results; at most 20,000 invocations
   * are read to find them.
   */
  findInvocations<F extends TaskFunction>(
    query: FindInvocationsQuery & { task: Task<F> },
  ): Promise<Array<Invocation<Awaited<ReturnType<F>>>>>;
  findInvocations(query?: FindInvocationsQuery & { task?: string }): Promise<Array<Invocation<unknown>>>;
  async findInvocations(
    query: FindInvocationsQuery & { task?: Task<TaskFunction> | string } = {},
  ): Promise<Array<Invocation<unknown>>> {
    const q = checkFindQuery(query);
    const found = await findInvocations(await this.runtime.getComponents(), q);
    return found.map((d) => new Invocation<unknown>(d.id, d.taskId, this.access));
  }

  /** The app's logger (same structured fields as `task.logger`). */
  get logger(): Logger {
    return this.runtime.log.child({ component: "app" });
  }

  /** The resolved config and where each value came from. */
  config(): Promise<ResolvedConfig> {
    return this.runtime.config();
  }

  /** Set config values before first use (the CLI's --runner, --concurrency). */
  overrideConfig(values: NencConfigInput): void {
    this.runtime.override(values);
  }

  /** Delete every invocation, result, history row, runner record and queued message of this app. */
  async purge(): Promise<void> {
    const { orchestrator, broker, stateBackend } = await this.runtime.getComponents();
    await Promise.all([orchestrator.purge(), broker.purge(), stateBackend.purge()]);
  }

  /** Close connections. The app can be used again afterwards (it reconnects). */
  close(): Promise<void> {
    return this.runtime.close();
  }
}
