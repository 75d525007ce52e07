import { closeComponents, createComponents, validateComponentNames } from "./backends/registry.js";
import { type ResolvedConfig, resolveConfig } from "./config/resolve.js";
import type { NencConfigInput } from "./config/schema.js";
import { Batcher } from "./core/batcher.js";
import { currentExecution } from "./core/context.js";
import type { Components, ConcurrencyScopes, LogRecord, NewInvocation, TriggerOrigin } from "./core/contract/index.js";
import { newInvocationId } from "./core/ids.js";
import { checkValueSize, externalize } from "./core/large-values.js";
import { LogRoot } from "./core/logger.js";
import { ResultWaiter } from "./core/result-waiter.js";
import { routeRequestFor } from "./core/routing.js";
import { withSpan } from "./core/tracing.js";
import type { CallSchedule } from "./scheduling/schedule.js";

/** A registration's own id and origin (triggers, events), not a call's. */
export interface RegisterFixed {
  /** The invocation's id (a deterministic one: registering it twice records it once). */
  id?: string | undefined;
  origin?: TriggerOrigin | undefined;
  /** Not a sub-invocation of what is running now (a trigger fired by a runner). */
  detached?: boolean | undefined;
  /** Starts a workflow of its own (its id is the workflow id) even inside another one. */
  newWorkflow?: boolean | undefined;
}

/** A registration waiting for its batch. */
interface PendingRegistration {
  invocation: NewInvocation;
  /**
   * Its id was given (RegisterFixed.id: deterministic, so possibly recorded, even final, before
   * this registration): not noted for result waits, which then read it first.
   */
  givenId: boolean;
}

/**
 * What an app needs at run time, created on first use: the resolved config, the three
 * components, the registration batcher, the result waiter and the log capture.
 */
export class AppRuntime {
  readonly log = new LogRoot();
  private overrides: NencConfigInput = {};
  private resolved: Promise<ResolvedConfig> | null = null;
  private components: Promise<Components> | null = null;
  private resultWaiter: ResultWaiter | null = null;
  private readonly registrations = new Batcher<PendingRegistration, string>((batch) => this.flushRegistrations(batch));
  private logBuffer: LogRecord[] = [];
  private logTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: NencConfigInput) {}

  /** Config given by the CLI (e.g. --runner); only before first use. */
  override(values: NencConfigInput): void {
    if (this.resolved) throw new Error("overrideConfig() must be called before the app is used");
    this.overrides = { ...this.overrides, ...values };
  }

  config(): Promise<ResolvedConfig> {
    this.resolved ??= resolveConfig({ ...this.options, ...this.overrides }).then((r) => {
      validateComponentNames(r.config);
      this.log.configure(r.config.logLevel, r.config.logFormat);
      return r;
    });
    return this.resolved;
  }

  getComponents(): Promise<Components> {
    this.components ??= this.config().then(async ({ config }) => {
      const c = await createComponents(config);
      this.log.setCapture((rec) => this.captureLog(rec));
      return c;
    });
    return this.components;
  }

  async waiter(): Promise<ResultWaiter> {
    const { orchestrator } = await this.getComponents();
    this.resultWaiter ??= new ResultWaiter(orchestrator);
    return this.resultWaiter;
  }

  /**
   * Record and route one invocation; resolves once it is durable and routed, with its id, or
   * with the id of the unfinished invocation holding its registration scope (the new one is
   * then recorded as CONCURRENCY_CONTROLLED_FINAL and not routed).
   */
  async register(
    taskId: string,
    args: string,
    schedule: CallSchedule,
    concurrency?: ConcurrencyScopes,
    fixed: RegisterFixed = {},
  ): Promise<string> {
    const { config } = await this.config();
    checkValueSize(args, config, `${taskId} arguments`);
    const parent = fixed.detached ? undefined : currentExecution();
    const id = fixed.id ?? newInvocationId();
    const workflowId = fixed.newWorkflow ? id : (parent?.workflowId ?? id);
    const attributes = { "nenc.invocation_id": id, "nenc.task_id": taskId, "nenc.workflow_id": workflowId };
    const parentAttr = parent ? { "nenc.parent_invocation_id": parent.invocationId } : {};
    return withSpan("nenc.register", { ...attributes, ...parentAttr }, async () => {
      await this.getComponents();
      return this.registrations.submit({
        invocation: {
          id,
          taskId,
          args,
          parentId: parent?.invocationId ?? null,
          workflowId,
          createdAt: Date.now(),
          ...schedule,
          concurrency,
          ...(fixed.origin ? { origin: fixed.origin } : {}),
        },
        givenId: fixed.id !== undefined,
      });
    });
  }

  private async flushRegistrations(batch: PendingRegistration[]): Promise<string[]> {
    const items = batch.map((b) => b.invocation);
    const { orchestrator, broker, stateBackend, registrar } = await this.getComponents();
    const { config } = await this.config();
    // Large arguments go to the value store first; the invocation records their reference.
    const stored = items.map((i) => externalize(i.args, i.id, config));
    await stateBackend.putValues(stored.flatMap((s) => (s.value ? [s.value] : [])));
    const recorded = items.map((i, n) => ({ ...i, args: stored[n]?.text ?? i.args }));
    const routeOf = (i: NewInvocation) => routeRequestFor(i, i.parentId ? "subInvocation" : "call");
    // From here, what this process is told of them becoming final is noted: a wait on one of
    // them need not read it first (ResultWaiter). Not a given id: it may have become final
    // before, unannounced to this process.
    orchestrator.noteFinals(batch.flatMap((b) => (b.givenId ? [] : [b.invocation.id])));
    if (registrar && recorded.every((i) => !i.concurrency)) {
      // One atomic step where the engine offers it (data, status and route in one write).
      await registrar.registerAndRoute(recorded, recorded.map(routeOf));
      return items.map((i) => i.id);
    }
    // Data first, then status, then the broker: a crash in between leaves a REGISTERED
    // invocation that the pending-recovery pass routes again; nothing is lost.
    await stateBackend.saveInvocations(recorded);
    const registered = await orchestrator.register(recorded);
    const existing = new Map(registered.map((r) => [r.id, r.existingId]));
    // Sub-invocations come first: their parents usually wait on them (deadlock avoidance).
    await broker.route(items.filter((i) => !existing.get(i.id)).map(routeOf));
    return items.map((i) => existing.get(i.id) ?? i.id);
  }

  private captureLog(rec: LogRecord): void {
    this.logBuffer.push(rec);
    this.logTimer ??= setTimeout(() => void this.flushLogs(), 200);
  }

  async flushLogs(): Promise<void> {
    if (this.logTimer) clearTimeout(this.logTimer);
    this.logTimer = null;
    const batch = this.logBuffer;
    this.logBuffer = [];
    if (batch.length === 0 || !this.components) return;
    try {
      const { stateBackend } = await this.components;
      await stateBackend.appendLogs(batch);
    } catch {
      // Captured task logs are a convenience for the monitor; stdout already has them.
    }
  }

  async close(): Promise<void> {
    await this.flushLogs();
    this.log.setCapture(null);
    if (this.components) {
      const c = await this.components.catch(() => null);
      this.components = null;
      this.resultWaiter = null;
      if (c) await closeComponents(c);
    }
  }
}
