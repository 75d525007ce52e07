import type { Command } from "commander";
import { Nenc } from "../../app.js";
import { componentNames } from "../../backends/registry.js";
import { describeConfig } from "../../config/resolve.js";
import { APP_OPTION, loadCliApp } from "../app-option.js";

export function registerConfigCommands(program: Command): void {
  program
    .command("show-config")
    .description("Print the resolved config: each key, its value and where it came from")
    .option("--app <file>", "module exporting the Nenc app (its options take part)")
    .option("--json", "print JSON")
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = opts.app ? (await loadCliApp(opts.app)).app : new Nenc();
      const resolved = await app.config();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(resolved, null, 2)}\n`);
        return;
      }
      const names = componentNames(resolved.config);
      process.stdout.write(
        `${describeConfig(resolved)}\n\ncomponents: ${names.orchestrator}, ${names.broker}, ${names.stateBackend}\n`,
      );
    });

  program
    .command("purge")
    .description("Delete every invocation, result, history row, runner record and queued message of the app")
    .option(...APP_OPTION)
    .action(async (opts: { app?: string }) => {
      const { app } = await loadCliApp(opts.app);
      await app.purge();
      const { config } = await app.config();
      await app.close();
      process.stdout.write(`purged app "${config.appId}"\n`);
    });
}
