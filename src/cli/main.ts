import { Command } from "commander";
import { NencError } from "../errors/index.js";
import { registerConfigCommands } from "./commands/config.js";
import { registerMonitorCommand } from "./commands/monitor.js";
import { registerRunnerCommand } from "./commands/runner.js";
import { registerStatusCommand } from "./commands/status.js";

const program = new Command("nenc")
  .description("nenc: durable task orchestration; a task that was running on a worker that died still finishes")
  .showHelpAfterError();

registerRunnerCommand(program);
registerConfigCommands(program);
registerStatusCommand(program);
registerMonitorCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Expected failures (bad --app, bad config) are one line, not a stack trace.
  const e = err as Error;
  process.stderr.write(`nenc: ${e instanceof NencError ? `${e.message} [${e.code}]` : e.message}\n`);
  if (process.env.NENC_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
}
