import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { threadId } from "node:worker_threads";
import type { RunnerContext } from "../../core/contract/index.js";
import { processStartTicks } from "../../recovery/local-processes.js";

/** A new runner context for this process/thread (`host`: the `runnerHost` config, else the OS host name). */
export function createRunnerContext(kind: string, parentId: string | null, host = hostname()): RunnerContext {
  return {
    id: `${kind}-${process.pid}-${threadId}-${randomBytes(3).toString("hex")}`,
    kind,
    host,
    pid: process.pid,
    threadId,
    parentId,
    startedAt: Date.now(),
    procStart: processStartTicks(),
  };
}
