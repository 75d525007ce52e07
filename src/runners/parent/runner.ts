import { appServices, type Nenc } from "../../app.js";
import type { NencConfig } from "../../config/schema.js";
import type { Components, RunnerContext } from "../../core/contract/index.js";
import type { Logger } from "../../core/logger.js";
import { RecoveryService } from "../../recovery/recovery-service.js";
import { TriggerService } from "../../triggers/service.js";
import { createRunnerContext } from "../execution/runner-context.js";
import { Heartbeat } from "../heartbeat/heartbeat.js";

export interface RunnerOptions {
  app: Nenc;
  /** The module that exports the app; runners with workers load it in each worker. */
  appModule?: string | undefined;
  /** Invocations at once; default from config (runnerConcurrency). */
  concurrency?: number | undefined;
}

export interface StopOptions {
  /** Let in-flight invocations run up to this long before handing back what still runs; 0: at once. */
  drainMs?: number | undefined;
}

const running = new Set<Runner>();

/** Runners started in this process and not yet stopped (tests fail a file that leaves one). */
export function runningRunners(): ReadonlySet<Runner> {
  return running;
}

/** What every runner kind shares: its context, heartbeat, recovery service and shutdown. */
export abstract class Runner {
  abstract readonly kind: string;
  protected config!: NencConfig;
  protected components!: Components;
  protected context!: RunnerContext;
  protected heartbeat!: Heartbeat;
  protected recovery!: RecoveryService;
  /** Cron ticks and source outcomes, evaluated by the holder of the triggers lease. */
  private triggerService: TriggerService | null = null;
  protected logger!: Logger;
  private stopped: Promise<void> | null = null;
  private drainPhase = false;
  /** Aborted at the drain deadline or by handBackNow(). */
  private readonly cutShort = new AbortController();
  private cutWhy: string | null = null;

  constructor(protected readonly options: RunnerOptions) {}

  get id(): string {
    return this.context.id;
  }

  protected abstract defaultConcurrency(): number;
  /** Begin executing invocations. */
  protected abstract startWork(): Promise<void>;
  /**
   * Drain: stop taking work (workers too) and resolve once nothing is in flight (true), or when
   * `deadlineMs` passes or `cutShort` aborts (false). Hands nothing back: stopWork does.
   */
  protected abstract drainWork(deadlineMs: number, cutShort: AbortSignal): Promise<boolean>;
  /** Stop taking work and hand in-flight invocations back; returns the child context ids to mark stopped. */
  protected abstract stopWork(reason: string): Promise<string[]>;
  /** Context ids of this runner's live workers (marked stopping with it). */
  protected workerIds(): string[] {
    return [];
  }

  get concurrency(): number {
    return this.options.concurrency || this.config.runnerConcurrency || this.defaultConcurrency();
  }

  async start(): Promise<void> {
    const { app } = this.options;
    running.add(this);
    this.config = (await app.config()).config;
    const services = appServices(app);
    this.components = await services.components();
    this.logger = services.logger("runner");
    this.context = createRunnerContext(this.kind, null, this.config.runnerHost || undefined);
    await this.components.orchestrator.registerRunner(this.context);
    this.heartbeat = new Heartbeat({
      config: this.config,
      orchestrator: this.components.orchestrator,
      logger: this.logger,
      onError: () => this.recovery?.noteBackendError(),
    });
    this.heartbeat.start([this.context.id], this.context);
    this.recovery = new RecoveryService({
      ...this.components,
      config: this.config,
      runnerId: this.context.id,
      logger: this.logger,
    });
    this.recovery.start();
    this.triggerService = new TriggerService({
      registry: services.triggers(),
      firer: await services.firer(),
      orchestrator: this.components.orchestrator,
      stateBackend: this.components.stateBackend,
      runnerId: this.context.id,
      logger: this.logger,
    });
    this.triggerService.start();
    await this.startWork();
    this.logger.info(
      `${this.kind} ${this.context.id} started (pid ${process.pid}, concurrency ${this.concurrency}, tasks: ${app.taskIds.join(", ") || "none"})`,
    );
  }

  /** True from the start of a drain until its hand-back begins. */
  get draining(): boolean {
    return this.drainPhase;
  }

  /**
   * Stop. Idempotent. With `drainMs` > 0 the runner first drains: it stops claiming at once,
   * is marked stopping until its deadline (it keeps beating, so nobody recovers its work), and
   * lets in-flight invocations finish. What is still running at the deadline, or when
   * `handBackNow()` is called, is handed back (KILLED → REROUTED) with the reason and why in
   * the note. Without a drain everything in flight is handed back at once. Then the runner and
   * its workers are marked stopped.
   */
  stop(reason = "runner stopped", options: StopOptions = {}): Promise<void> {
    this.stopped ??= (async () => {
      running.delete(this);
      this.recovery.stop();
      await this.triggerService?.stop();
      const drainMs = options.drainMs ?? 0;
      const note = drainMs > 0 && !this.cutShort.signal.aborted ? await this.drain(reason, drainMs) : reason;
      const children = await this.stopWork(note);
      await this.components.orchestrator.markRunnersStopped([this.context.id, ...children]);
      await this.heartbeat.stop();
      this.logger.info(`${this.kind} ${this.context.id} stopped (${reason})`);
      await this.options.app.close();
    })();
    return this.stopped;
  }

  /** End a drain now (a second signal): what is still running is handed back at once. */
  handBackNow(why: string): void {
    this.cutWhy ??= why;
    this.cutShort.abort();
  }

  /** Let in-flight work finish until the deadline; returns the note for what is handed back. */
  private async drain(reason: string, drainMs: number): Promise<string> {
    this.drainPhase = true;
    const deadline = Date.now() + drainMs;
    const seconds = Math.round(drainMs / 100) / 10;
    const atDeadline = `still running at the end of the ${seconds} s drain`;
    const timer = setTimeout(() => this.handBackNow(atDeadline), drainMs);
    try {
      // Claiming stops now (synchronously); the record says "stopping" a moment later.
      const ids = [this.context.id, ...this.workerIds()];
      const drained = this.drainWork(deadline, this.cutShort.signal);
      await this.components.orchestrator.markRunnersStopping(ids, drainMs).catch((err: Error) => {
        this.logger.warn(`could not mark ${this.context.id} stopping: ${err.message}; draining anyway`);
      });
      this.logger.info(
        `${this.kind} ${this.context.id} draining (${reason}): claims nothing more; in-flight work may finish until ${new Date(deadline).toISOString()} (${seconds} s), then what is still running is handed back`,
      );
      const finished = await drained;
      // Not finished: the deadline passed (the executor or pool may notice it a moment before
      // this timer does) or handBackNow() cut the drain short, with its reason.
      const why = this.cutWhy ?? atDeadline;
      this.logger.info(
        finished
          ? `${this.kind} ${this.context.id} drained: all in-flight work finished`
          : `${this.kind} ${this.context.id} drain ended: ${why}; handing back what is still running`,
      );
      return finished ? reason : `${reason}; ${why}`;
    } finally {
      clearTimeout(timer);
      this.drainPhase = false;
    }
  }
}
