import { Cron } from "croner";
import { deadAfterMs, heartbeatIntervalMs } from "../config/resolve.js";
import type { NencConfig } from "../config/schema.js";
import type { Broker, Orchestrator } from "../core/contract/index.js";
import type { Logger } from "../core/logger.js";
import { coerceError } from "../errors/index.js";
import { type RecoveryReport, recoverDeadRunnersWork, recoverStalePending } from "./recovery-pass.js";

const LEASE = "recovery";

/**
 * Runs inside every runner. On each cron tick it tries to take the recovery lease; the
 * holder runs the pass, the others skip. A lease (not clock slots) keeps one pass at a time
 * across all runners; it expires by itself if its holder dies mid-pass.
 */
export class RecoveryService {
  private crons: Cron[] = [];
  private running = false;
  private lastBackendError = 0;

  constructor(
    private readonly deps: {
      orchestrator: Orchestrator;
      broker: Broker;
      config: NencConfig;
      runnerId: string;
      logger: Logger;
    },
  ) {}

  start(): void {
    const { config } = this.deps;
    this.crons = [
      new Cron(config.recoverRunningInvocationsCron, { protect: true, unref: true }, async () => {
        await this.run("running");
      }),
      new Cron(config.recoverPendingInvocationsCron, { protect: true, unref: true }, async () => {
        await this.run("pending");
      }),
    ];
  }

  stop(): void {
    for (const c of this.crons) c.stop();
    this.crons = [];
  }

  /**
   * The backend was unreachable from this process (a heartbeat or a pass failed). Every
   * runner's heartbeats stopped landing during the outage, so stale heartbeats prove nothing
   * until a full dead-after window has passed with the backend reachable again: until then
   * the dead-runner pass is skipped. A runner that is really dead is recovered one window later.
   */
  noteBackendError(at = Date.now()): void {
    this.lastBackendError = Math.max(this.lastBackendError, at);
  }

  /** True while heartbeats may still be catching up after an outage seen by this process. */
  inOutageGrace(now = Date.now()): boolean {
    const { config } = this.deps;
    return now < this.lastBackendError + deadAfterMs(config) + heartbeatIntervalMs(config);
  }

  /** One pass now, if this runner gets the lease. Returns null when another runner holds it. */
  async run(kind: "running" | "pending"): Promise<RecoveryReport | null> {
    if (this.running) return null;
    if (kind === "running" && this.inOutageGrace()) return null;
    this.running = true;
    const { orchestrator, config, runnerId, logger } = this.deps;
    const ttl = Math.max(10_000, deadAfterMs(config));
    try {
      if (!(await orchestrator.acquireLease(LEASE, runnerId, ttl))) return null;
      try {
        return kind === "running"
          ? await recoverDeadRunnersWork(this.deps, deadAfterMs(config))
          : await recoverStalePending(this.deps, config.maxPendingSeconds * 1000);
      } finally {
        await orchestrator.releaseLease(LEASE, runnerId);
      }
    } catch (err) {
      this.noteBackendError();
      logger.warn(
        { component: "recovery", err: coerceError(err).message },
        `recovery pass (${kind}) failed; next tick retries`,
      );
      return null;
    } finally {
      this.running = false;
    }
  }
}
