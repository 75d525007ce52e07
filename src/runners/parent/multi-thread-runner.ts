import { availableParallelism } from "node:os";
import type { WorkerInit } from "../worker-messages.js";
import { ChildPool, type PoolMember } from "./child-pool.js";
import { PoolRunner } from "./pool-runner.js";
import { ProcessHandle, type WorkerHandle } from "./worker-handle.js";

/**
 * Child processes, each running `threadsPerProcess` invocations at once (async slots on the
 * child's event loop). Starts with one child; adds one while every child is full and the
 * broker still holds work, up to `maxProcesses`; a child idle for `processIdleTimeoutSeconds`
 * is retired (at least one stays).
 */
export class MultiThreadRunner extends PoolRunner {
  readonly kind = "MultiThreadRunner";
  protected readonly workerKind = "MultiThreadRunnerChild";
  private timer: NodeJS.Timeout | null = null;

  protected defaultConcurrency(): number {
    return this.config.maxProcesses || availableParallelism();
  }

  protected override workerSlots(): number {
    return this.config.threadsPerProcess;
  }

  protected override initialWorkers(): number {
    return 1;
  }

  protected spawnHandle(init: WorkerInit): WorkerHandle {
    return new ProcessHandle(init, this.config.childMemoryLimitMb);
  }

  protected override async startWork(): Promise<void> {
    await super.startWork();
    this.timer = setInterval(() => {
      this.retireIdle();
      this.maintain();
    }, 500);
    this.timer.unref();
  }

  protected override async drainWork(deadlineMs: number, cutShort: AbortSignal): Promise<boolean> {
    if (this.timer) clearInterval(this.timer);
    return super.drainWork(deadlineMs, cutShort);
  }

  protected override async stopWork(reason: string): Promise<string[]> {
    if (this.timer) clearInterval(this.timer);
    return super.stopWork(reason);
  }

  protected async wanted(members: readonly PoolMember[]): Promise<number> {
    const live = members.filter((m) => m.retiring === null);
    if (live.length === 0) return 1;
    // Grow one child at a time: wait while one is still starting.
    if (live.some((m) => m.contextId === null) || live.length >= this.concurrency) return 0;
    const full = live.every((m) => ChildPool.active(m) >= this.workerSlots());
    return full && (await this.components.broker.depth()) > 0 ? 1 : 0;
  }

  private retireIdle(): void {
    const idleMs = this.config.processIdleTimeoutSeconds * 1000;
    const now = Date.now();
    const live = [...this.pool.members].filter((m) => m.retiring === null);
    for (const m of live) {
      if (live.filter((x) => x.retiring === null).length <= 1) break;
      if (m.contextId !== null && m.idleSince !== null && now - m.idleSince > idleMs) {
        void this.pool.retire(m, `retired after ${this.config.processIdleTimeoutSeconds} s idle`);
      }
    }
  }
}
