import type { Command } from "commander";
import { appServices } from "../../app.js";
import { RunnerError } from "../../errors/index.js";
import { createRunner } from "../../runners/index.js";
import { loadApp } from "../../runners/load-app.js";

export function registerRunnerCommand(program: Command): void {
  const runner = program.command("runner").description("Run invocations");
  runner
    .command("start")
    .description("Start a runner for the app; SIGTERM/SIGINT hand in-flight work back and exit 0")
    .requiredOption("--app <file>", "module exporting the Nenc app (.ts works directly)")
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
    .action(async (opts: { app: string; runner?: string; concurrency?: number }) => {
      const app = await loadApp(opts.app);
      app.overrideConfig({
        ...(opts.runner ? { runnerCls: opts.runner } : {}),
        ...(opts.concurrency ? { runnerConcurrency: opts.concurrency } : {}),
      });
      const { config } = await app.config();
      if (app.taskIds.length === 0) {
        throw new RunnerError(`--app ${opts.app} registers no tasks; a runner for it could never execute anything.`);
      }
      const { orchestrator } = await appServices(app).components();
      if (!orchestrator.capabilities.sharedAcrossProcesses) {
        throw new RunnerError(
          `backend "${config.backend}" lives inside one process: a runner started from the CLI would never see invocations registered elsewhere. Use backend sqlite, redis or postgres.`,
        );
      }
      const r = createRunner(config, { app, appModule: opts.app });
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          process.stderr.write(`second ${sig}: exiting now\n`);
          process.exit(1);
        }
        const force = setTimeout(() => process.exit(1), (config.shutdownGraceSeconds + 5) * 1000);
        force.unref();
        void r.stop(`runner received ${sig}`).then(
          () => process.exit(0),
          (err: Error) => {
            process.stderr.write(`shutdown failed: ${err.message}\n`);
            process.exit(1);
          },
        );
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
      await r.start();
    });
}
