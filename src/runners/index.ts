import type { NencConfig } from "../config/schema.js";
import { ConfigError } from "../errors/index.js";
import { AsyncRunner } from "./parent/async-runner.js";
import { MultiThreadRunner } from "./parent/multi-thread-runner.js";
import { PersistentProcessRunner } from "./parent/persistent-process-runner.js";
import { ProcessRunner } from "./parent/process-runner.js";
import type { Runner, RunnerOptions } from "./parent/runner.js";
import { ThreadRunner } from "./parent/thread-runner.js";

export const RUNNERS: Record<string, new (options: RunnerOptions) => Runner> = {
  AsyncRunner,
  ThreadRunner,
  ProcessRunner,
  PersistentProcessRunner,
  MultiThreadRunner,
};

export function createRunner(config: NencConfig, options: RunnerOptions): Runner {
  const cls = RUNNERS[config.runnerCls];
  if (!cls) {
    throw new ConfigError(
      `Config key "runnerCls" names "${config.runnerCls}", which is not a runner. Known: ${Object.keys(RUNNERS).join(", ")}.`,
      "runnerCls",
      "resolved config",
    );
  }
  return new cls(options);
}

export type { Runner, RunnerOptions };
export { AsyncRunner, MultiThreadRunner, PersistentProcessRunner, ProcessRunner, ThreadRunner };
