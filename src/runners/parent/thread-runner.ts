import { availableParallelism } from "node:os";
import type { WorkerInit } from "../worker-messages.js";
import type { PoolMember } from "./child-pool.js";
import { PoolRunner } from "./pool-runner.js";
import { ThreadHandle, type WorkerHandle } from "./worker-handle.js";

/**
 * Worker threads, each loading the app module and executing one invocation at a time with
 * its own runner context. This thread keeps their heartbeats (from the heartbeat thread) and
 * hands a lost worker's invocations back at once, then replaces it.
 */
export class ThreadRunner extends PoolRunner {
  readonly kind = "ThreadRunner";
  protected readonly workerKind = "ThreadRunnerWorker";

  protected defaultConcurrency(): number {
    return availableParallelism();
  }

  /** Threads freeze with this process: no pings needed. */
  protected override childProcesses(): boolean {
    return false;
  }

  protected spawnHandle(init: WorkerInit): WorkerHandle {
    return new ThreadHandle(init);
  }

  protected wanted(members: readonly PoolMember[]): number {
    return Math.max(0, this.concurrency - members.length);
  }
}
