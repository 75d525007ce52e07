import type { Command } from "commander";
import { appServices } from "../../app.js";
import { RunnerError } from "../../errors/index.js";
import { createRunner } from "../../runners/index.js";
import { APP_OPTION, loadCliApp } from "../app-option.js";

/**
 * After the drain, how long the hand-back and the clean-up (mark stopped, close connections)
 * may take before the process exits 1 anyway: the hard exit comes shutdownGraceSeconds + this.
 */
const HAND_BACK_MS = 10_000;

export function registerRunnerCommand(program: Command): void {
  const runner = program.command("runner").description("Run invocations");
  runner
    .command("start")
    .description(
      "Start a runner for the app; SIGTERM/SIGINT: stop claiming, let in-flight work finish for up to --drain-seconds, hand back the rest, exit 0; a second signal hands back at once",
    )
    .option(...APP_OPTION)
    .option(
      "--runner <cls>",
      "runner class (AsyncRunner, ThreadRunner, ProcessRunner, PersistentProcessRunner, MultiThreadRunner); overrides runnerCls",
    )
    .option(
      "--concurrency <n>",
      "invocations, threads or processes at once (by runner); overrides runnerConcurrency",
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new Error(`--concurrency must be a positive integer, got "${v}"`);
        return n;
      },
    )
    .option(
      "--queues <names>",
      "comma-separated queues to take work from (default: every queue); overrides runnerQueues",
    )
    .option(
      "--drain-seconds <n>",
      "on SIGTERM/SIGINT, let in-flight work finish for up to n seconds, then hand back what still runs; 0: hand back at once; overrides shutdownGraceSeconds",
      (v) => {
        const n = Number(v);
        if (v.trim() === "" || !Number.isFinite(n) || n < 0) {
          throw new Error(`--drain-seconds must be a number of seconds >= 0, got "${v}"`);
        }
        return n;
      },
    )
    .action(
      async (opts: { app?: string; runner?: string; concurrency?: number; queues?: string; drainSeconds?: number }) => {
        const { app, path } = await loadCliApp(opts.app);
        app.overrideConfig({
          ...(opts.runner ? { runnerCls: opts.runner } : {}),
          ...(opts.concurrency ? { runnerConcurrency: opts.concurrency } : {}),
          ...(opts.queues !== undefined ? { runnerQueues: opts.queues } : {}),
          ...(opts.drainSeconds !== undefined ? { shutdownGraceSeconds: opts.drainSeconds } : {}),
        });
        const { config } = await app.config();
        if (app.taskIds.length === 0) {
          throw new RunnerError(`--app ${path} registers no tasks; a runner for it could never execute anything.`);
        }
        const { orchestrator } = await appServices(app).components();
        if (!orchestrator.capabilities.sharedAcrossProcesses) {
          throw new RunnerError(
            `backend "${config.backend}" lives inside one process: a runner started from the CLI would never see invocations registered elsewhere. Use backend sqlite, redis or postgres.`,
          );
        }
        const r = createRunner(config, { app, appModule: path });
        const drainMs = config.shutdownGraceSeconds * 1000;
        let force: NodeJS.Timeout | null = null;
        const forceExitIn = (ms: number) => {
          if (force) clearTimeout(force);
          force = setTimeout(() => {
            process.stderr.write(
              "shutdown took too long: exiting now; heartbeat expiry recovers what was not handed back\n",
            );
            process.exit(1);
          }, ms);
          force.unref();
        };
        let signals = 0;
        // First signal: drain (claim nothing, let in-flight work finish until the deadline), then
        // hand back what still runs and exit 0. Second signal during the drain: hand back now.
        // Any further signal (or a second one once the hand-back has begun): exit 1 at once.
        const onSignal = (sig: NodeJS.Signals) => {
          signals++;
          if (signals === 1) {
            forceExitIn(drainMs + HAND_BACK_MS);
            if (drainMs > 0) {
              process.stderr.write(
                `${sig}: draining for up to ${config.shutdownGraceSeconds} s; send it again to hand back in-flight work now\n`,
              );
            }
            void r.stop(`runner received ${sig}`, { drainMs }).then(
              () => process.exit(0),
              (err: Error) => {
                process.stderr.write(`shutdown failed: ${err.message}\n`);
                process.exit(1);
              },
            );
          } else if (signals === 2 && r.draining) {
            process.stderr.write(`second ${sig}: handing back in-flight work now\n`);
            forceExitIn(HAND_BACK_MS);
            r.handBackNow(`second ${sig} during the drain`);
          } else {
            process.stderr.write(`${sig} again: exiting now\n`);
            process.exit(1);
          }
        };
        process.on("SIGTERM", onSignal);
        process.on("SIGINT", onSignal);
        await r.start();
      },
    );
}
