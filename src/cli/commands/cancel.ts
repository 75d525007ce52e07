import type { Command } from "commander";
import { APP_OPTION, loadCliApp } from "../app-option.js";

export function registerCancelCommand(program: Command): void {
  program
    .command("cancel")
    .description(
      "Cancel an invocation: not started, it never starts; running, its ctx.signal is aborted and its result refused",
    )
    .argument("<id>", "the invocation id")
    .option(...APP_OPTION)
    .option("--reason <text>", "why, kept in its history", "cancelled from the CLI")
    .action(async (id: string, opts: { app?: string; reason: string }) => {
      const { app } = await loadCliApp(opts.app);
      try {
        const done = await app.getInvocation(id).cancel(opts.reason);
        process.stdout.write(done ? `cancelled ${id}\n` : `${id} was already final; nothing to cancel\n`);
      } finally {
        await app.close();
      }
    });
}
