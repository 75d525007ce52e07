import { availableParallelism } from "node:os";
import type { WorkerInit } from "../worker-messages.js";
import { ChildPool, type PoolMember } from "./child-pool.js";
import { PoolRunner } from "./pool-runner.js";
import { ProcessHandle, type WorkerHandle } from "./worker-handle.js";

/**
 * One child process per invocation, at most `maxProcesses` running at once. Each child is
 * started ahead of time, claims exactly one invocation, runs it and exits; the parent starts
 * another in its place. A crash or memory blow-up of a task ends only its own child.
 * A child whose invocation is PAUSED (waiting for a sub-invocation) does not count against
 * `maxProcesses`, so the parent starts another child to run the awaited work.
 */
export class ProcessRunner extends PoolRunner {
  readonly kind = "ProcessRunner";
  protected readonly workerKind = "ProcessRunnerChild";

  protected defaultConcurrency(): number {
    return this.config.maxProcesses || availableParallelism();
  }

  protected override oneShot(): boolean {
    return true;
  }

  protected spawnHandle(init: WorkerInit): WorkerHandle {
    return new ProcessHandle(init, this.config.childMemoryLimitMb);
  }

  protected wanted(members: readonly PoolMember[]): number {
    const waitingOnly = (m: PoolMember) => m.inFlight.size > 0 && ChildPool.active(m) === 0;
    const occupying = members.filter((m) => !waitingOnly(m)).length;
    return Math.max(0, this.concurrency - occupying);
  }
}
