import { appServices, type Nenc } from "../../app.js";
import type { NencConfig } from "../../config/schema.js";
import type { Components, RunnerContext } from "../../core/contract/index.js";
import type { Logger } from "../../core/logger.js";
import { RecoveryService } from "../../recovery/recovery-service.js";
import { createRunnerContext } from "../execution/runner-context.js";
import { Heartbeat } from "../heartbeat/heartbeat.js";

export interface RunnerOptions {
  app: Nenc;
  /** The module that exports the app; runners with workers load it in each worker. */
  appModule?: string | undefined;
  /** Invocations at once; default from config (runnerConcurrency). */
  concurrency?: number | undefined;
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
  protected logger!: Logger;
  private stopped: Promise<void> | null = null;

  constructor(protected readonly options: RunnerOptions) {}

  get id(): string {
    return this.context.id;
  }

  protected abstract defaultConcurrency(): number;
  /** Begin executing invocations. */
  protected abstract startWork(): Promise<void>;
  /** Stop taking work and hand in-flight invocations back; returns the child context ids to mark stopped. */
  protected abstract stopWork(reason: string): Promise<string[]>;

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
    this.context = createRunnerContext(this.kind, null);
    await this.components.orchestrator.registerRunner(this.context);
    this.heartbeat = new Heartbeat({
      config: this.config,
      orchestrator: this.components.orchestrator,
      logger: this.logger,
      onError: () => this.recovery?.noteBackendError(),
    });
    this.heartbeat.start([this.context.id]);
    this.recovery = new RecoveryService({
      ...this.components,
      config: this.config,
      runnerId: this.context.id,
      logger: this.logger,
    });
    this.recovery.start();
    await this.startWork();
    this.logger.info(
      `${this.kind} ${this.context.id} started (pid ${process.pid}, concurrency ${this.concurrency}, tasks: ${app.taskIds.join(", ") || "none"})`,
    );
  }

  /** Stop: no new work, in-flight work handed back at once, runner marked stopped. Idempotent. */
  stop(reason = "runner stopped"): Promise<void> {
    this.stopped ??= (async () => {
      running.delete(this);
      this.recovery.stop();
      const children = await this.stopWork(reason);
      await this.components.orchestrator.markRunnersStopped([this.context.id, ...children]);
      await this.heartbeat.stop();
      this.logger.info(`${this.kind} ${this.context.id} stopped (${reason})`);
      await this.options.app.close();
    })();
    return this.stopped;
  }
}
