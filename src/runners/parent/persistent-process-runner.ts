import { availableParallelism } from "node:os";
import type { WorkerInit } from "../worker-messages.js";
import type { PoolMember } from "./child-pool.js";
import { PoolRunner } from "./pool-runner.js";
import { ProcessHandle, type WorkerHandle } from "./worker-handle.js";

/**
 * A fixed pool of `numProcesses` child processes, each running invocations one after another.
 * A child that dies (crash, SIGKILL, memory limit) has its work handed back at once and is
 * replaced.
 */
export class PersistentProcessRunner extends PoolRunner {
  readonly kind = "PersistentProcessRunner";
  protected readonly workerKind = "PersistentProcessRunnerChild";

  protected defaultConcurrency(): number {
    return this.config.numProcesses || availableParallelism();
  }

  protected spawnHandle(init: WorkerInit): WorkerHandle {
    return new ProcessHandle(init, this.config.childMemoryLimitMb);
  }

  protected wanted(members: readonly PoolMember[]): number {
    return Math.max(0, this.concurrency - members.length);
  }
}
