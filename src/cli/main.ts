import { readFileSync } from "node:fs";
import { Command } from "commander";
import { NencError } from "../errors/index.js";
import { registerCancelCommand } from "./commands/cancel.js";
import { registerConfigCommands } from "./commands/config.js";
import { registerMonitorCommand } from "./commands/monitor.js";
import { registerRunnerCommand } from "./commands/runner.js";
import { registerStatusCommand } from "./commands/status.js";

const program = new Command("nenc")
  .description("nenc: durable task orchestration; a task that was running on a worker that died still finishes")
  .version(packageVersion(), "-v, --version", "print the nenc version")
  .showHelpAfterError();

registerRunnerCommand(program);
registerConfigCommands(program);
registerStatusCommand(program);
registerMonitorCommand(program);
registerCancelCommand(program);

/** The version in nenc's package.json (two folders up from src/cli/ or dist/cli/). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

try {
  if (process.argv.length <= 2) program.help(); // `nenc` alone: the help, exit 0
  await program.parseAsync(process.argv);
} catch (err) {
  // Expected failures (bad --app, bad config) are one line, not a stack trace.
  const e = err as Error;
  process.stderr.write(`nenc: ${e instanceof NencError ? `${e.message} [${e.code}]` : e.message}\n`);
  if (process.env.NENC_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
}
