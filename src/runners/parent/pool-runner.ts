import { resolve } from "node:path";
import { deadAfterMs } from "../../config/resolve.js";
import type { NencConfig } from "../../config/schema.js";
import { RunnerError } from "../../errors/index.js";
import type { WorkerInit } from "../worker-messages.js";
import { ChildPool, type PoolMember } from "./child-pool.js";
import { Runner } from "./runner.js";
import type { WorkerHandle } from "./worker-handle.js";

/** A third of the dead-after window, at least a second: children stop claiming well before their work would be recovered. */
function parentSilenceMs(config: NencConfig): number {
  return Math.max(1000, Math.round(deadAfterMs(config) / 3));
}

/**
 * A runner whose work is done by workers (threads or child processes) kept in a ChildPool.
 * Subclasses say how to start one worker and how many they want (`maintain`); this class
 * starts them, replaces them when they die (with a short pause after a worker that died
 * before it was ready, so a broken app module does not spin) and stops them.
 */
export abstract class PoolRunner extends Runner {
  protected pool!: ChildPool;
  private spawnDelay = 0;
  private retryAt = 0;
  private maintaining = false;
  private again = false;
  private stopping = false;

  /** Kind recorded in each worker's runner context. */
  protected abstract readonly workerKind: string;
  /** Start one worker with this init. */
  protected abstract spawnHandle(init: WorkerInit): WorkerHandle;
  /** Workers to start now, given the pool (members include workers still starting: contextId null). */
  protected abstract wanted(members: readonly PoolMember[]): number | Promise<number>;
  /** Invocations each worker runs at once. */
  protected workerSlots(): number {
    return 1;
  }
  protected oneShot(): boolean {
    return false;
  }
  /** Workers to start before the runner reports it started. */
  protected initialWorkers(): number {
    return this.concurrency;
  }

  /** Workers are child processes (they keep running when this process is frozen). */
  protected childProcesses(): boolean {
    return true;
  }

  protected async startWork(): Promise<void> {
    if (!this.options.appModule) {
      throw new RunnerError(`${this.kind} needs the app module path (appModule) to load it in each worker.`);
    }
    this.pool = new ChildPool({
      components: this.components,
      heartbeat: this.heartbeat,
      logger: this.logger,
      memoryRetries: this.config.childMemoryRetries,
      onChange: () => this.maintain(),
      pingEveryMs: this.childProcesses() ? parentSilenceMs(this.config) / 4 : 0,
    });
    await Promise.all(Array.from({ length: this.initialWorkers() }, () => this.spawn()));
  }

  /** Start one worker; resolves when it is ready. */
  protected spawn(): Promise<PoolMember> {
    const init: WorkerInit = {
      appModule: resolve(this.options.appModule ?? ""),
      overrides: { ...this.config },
      parentId: this.context.id,
      parentPid: process.pid,
      kind: this.workerKind,
      slots: this.workerSlots(),
      oneShot: this.oneShot(),
      parentSilenceMs: this.childProcesses() ? parentSilenceMs(this.config) : 0,
    };
    return this.pool.add(this.spawnHandle(init));
  }

  /** Bring the pool to the size the subclass wants. Called on every worker event. */
  protected maintain(): void {
    if (this.stopping || !this.pool || Date.now() < this.retryAt) return;
    if (this.maintaining) {
      this.again = true;
      return;
    }
    this.maintaining = true;
    void (async () => {
      try {
        const n = await this.wanted([...this.pool.members]);
        for (let i = 0; i < n && !this.stopping; i++) {
          this.spawn().then(
            () => {
              this.spawnDelay = 0;
            },
            (err: Error) => {
              this.spawnDelay = Math.min(Math.max(this.spawnDelay * 2, 250), 10_000);
              this.retryAt = Date.now() + this.spawnDelay;
              this.logger.error(`a worker failed to start: ${err.message}; retrying in ${this.spawnDelay} ms`);
              setTimeout(() => this.maintain(), this.spawnDelay).unref();
            },
          );
        }
      } catch (err) {
        this.logger.warn(`sizing the pool failed: ${(err as Error).message}`);
      } finally {
        this.maintaining = false;
        if (this.again) {
          this.again = false;
          this.maintain();
        }
      }
    })();
  }

  protected override workerIds(): string[] {
    return this.pool ? this.pool.contextIds() : [];
  }

  /** No new or replacement workers from now on; every worker finishes what it runs, up to the deadline. */
  protected async drainWork(deadlineMs: number, cutShort: AbortSignal): Promise<boolean> {
    this.stopping = true;
    return this.pool ? this.pool.drain(deadlineMs, cutShort) : true;
  }

  protected async stopWork(reason: string): Promise<string[]> {
    this.stopping = true;
    return this.pool ? this.pool.close(reason) : [];
  }
}
