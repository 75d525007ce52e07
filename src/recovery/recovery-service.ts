import { hostname } from "node:os";
import { Cron } from "croner";
import { deadAfterMs, heartbeatIntervalMs } from "../config/resolve.js";
import type { NencConfig } from "../config/schema.js";
import type { Broker, Orchestrator, StateBackend } from "../core/contract/index.js";
import type { Logger } from "../core/logger.js";
import { coerceError } from "../errors/index.js";
import { GoneRunnerDetector } from "./gone-runners.js";
import {
  type RecoveryReport,
  recoverDeadRunnersWork,
  recoverRunnersWork,
  recoverStalePending,
} from "./recovery-pass.js";
import { deleteOldInvocations } from "./retention-pass.js";

type PassKind = "running" | "pending" | "liveness" | "retention";

/** Each pass has its own lease and in-process flag: no pass ever waits on, or skips for, another. */
const LEASES: Record<PassKind, string> = {
  running: "recovery:running",
  pending: "recovery:pending",
  liveness: "recovery:liveness",
  retention: "retention",
};

/**
 * Runs inside every runner. Three passes, each under its own lease (not clock slots: one
 * holder at a time across all runners; a lease expires by itself if its holder dies):
 * - liveness, every `livenessCheckMs`: runners whose process is gone (same host: its pid;
 *   elsewhere: its session) have their work recovered at once;
 * - running, on `recoverRunningInvocationsCron`: runners whose heartbeat expired (hangs,
 *   partitions, lost hosts: the backstop);
 * - pending, on `recoverPendingInvocationsCron`: stuck PENDING work and lost deliveries;
 * - retention, on `retentionCron` (when `retentionHours` > 0): old final invocations are deleted
 *   in bounded batches.
 * The liveness holder renews a short lease every tick and lists runners (and, on Redis and
 * PostgreSQL, their sessions) once per tick for the whole app; the other runners only try the
 * lease about twice per lease length, so a dead holder is replaced within about a second.
 */
export class RecoveryService {
  private crons: Cron[] = [];
  private livenessTimer: NodeJS.Timeout | null = null;
  private readonly running = new Set<PassKind>();
  private lastBackendError = 0;
  private livenessLeaseUntil = 0;
  private nextLivenessTry = 0;
  private readonly detector: GoneRunnerDetector;

  constructor(
    private readonly deps: {
      orchestrator: Orchestrator;
      broker: Broker;
      stateBackend: StateBackend;
      config: NencConfig;
      runnerId: string;
      logger: Logger;
    },
  ) {
    this.detector = new GoneRunnerDetector(
      Math.max(100, Math.round(deps.config.livenessCheckMs * 0.75)),
      deps.config.runnerHost || hostname(),
    );
  }

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
    if (config.retentionHours > 0) {
      this.crons.push(
        new Cron(config.retentionCron, { protect: true, unref: true }, async () => {
          await this.run("retention");
        }),
      );
    }
    if (config.livenessCheckMs > 0) {
      this.livenessTimer = setInterval(() => void this.run("liveness"), config.livenessCheckMs);
      this.livenessTimer.unref();
    }
  }

  stop(): void {
    for (const c of this.crons) c.stop();
    this.crons = [];
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    this.livenessTimer = null;
    if (this.livenessLeaseUntil > Date.now()) {
      this.livenessLeaseUntil = 0;
      void this.deps.orchestrator.releaseLease(LEASES.liveness, this.deps.runnerId).catch(() => {});
    }
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

  /** One pass now, if this runner gets its lease. Returns null when another runner holds it. */
  async run(kind: PassKind): Promise<RecoveryReport | null> {
    if (this.running.has(kind)) return null;
    if (kind === "running" && this.inOutageGrace()) return null;
    this.running.add(kind);
    try {
      return kind === "liveness" ? await this.livenessPass() : await this.leasedPass(kind);
    } catch (err) {
      this.noteBackendError();
      if (kind === "liveness") this.livenessLeaseUntil = 0;
      this.deps.logger.warn(
        { component: "recovery", err: coerceError(err).message },
        `recovery pass (${kind}) failed; next tick retries`,
      );
      return null;
    } finally {
      this.running.delete(kind);
    }
  }

  private async leasedPass(kind: "running" | "pending" | "retention"): Promise<RecoveryReport | null> {
    const { orchestrator, config, runnerId } = this.deps;
    const ttl = Math.max(10_000, deadAfterMs(config));
    if (!(await orchestrator.acquireLease(LEASES[kind], runnerId, ttl))) return null;
    try {
      if (kind === "retention") {
        // Not recovery: it reports nothing recovered. Its own lease and flag: it never delays a pass.
        if (config.retentionHours > 0)
          await deleteOldInvocations(this.deps, Date.now() - config.retentionHours * 3_600_000);
        return { deadRunners: [], recovered: [] };
      }
      return kind === "running"
        ? await recoverDeadRunnersWork(this.deps, deadAfterMs(config))
        : await recoverStalePending(this.deps, config.maxPendingSeconds * 1000);
    } finally {
      await orchestrator.releaseLease(LEASES[kind], runnerId);
    }
  }

  private async livenessPass(): Promise<RecoveryReport | null> {
    const { orchestrator, config, runnerId } = this.deps;
    const now = Date.now();
    // A short lease, renewed by its holder every tick: if the holder itself dies, another runner
    // takes over within about one lease. The others try about twice per lease, and meanwhile
    // check the runners on their own host by pid (no query), so a dead holder's own work is
    // recovered at once too.
    const ttl = Math.max(1000, Math.round(config.livenessCheckMs * 2.5));
    const tryLease = this.livenessLeaseUntil > 0 || now >= this.nextLivenessTry;
    if (!tryLease || !(await orchestrator.acquireLease(LEASES.liveness, runnerId, ttl))) {
      if (tryLease) {
        this.livenessLeaseUntil = 0;
        this.nextLivenessTry = now + (ttl / 2) * (1 + Math.random() / 2);
      }
      return this.settle(await this.detector.detectLocal(orchestrator, now));
    }
    this.livenessLeaseUntil = now + ttl;
    return this.settle(await this.detector.detect(orchestrator, now));
  }

  /** Recover the work of runners found gone, then record how they died. */
  private async settle(gone: ReadonlyMap<string, string>): Promise<RecoveryReport> {
    if (gone.size === 0) return { deadRunners: [], recovered: [] };
    const report = await recoverRunnersWork(this.deps, gone);
    for (const note of new Set(gone.values())) {
      const ids = [...gone].filter(([, n]) => n === note).map(([id]) => id);
      await this.deps.orchestrator.markRunnersDead(ids, note);
    }
    for (const [id, note] of gone) {
      this.deps.logger.warn({ component: "recovery", deadRunner: id, how: note }, `runner ${id} is dead: ${note}`);
    }
    return report;
  }
}
