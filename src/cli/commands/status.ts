import type { Command } from "commander";
import { renderStatusSvg, renderStatusText } from "../../core/status-diagram.js";

export function registerStatusCommand(program: Command): void {
  const status = program.command("status").description("The invocation status state machine");
  status
    .command("render")
    .description("Draw the state machine from its table")
    .option("--format <format>", "text or svg", "text")
    .action((opts: { format: string }) => {
      if (opts.format !== "text" && opts.format !== "svg") {
        throw new Error(`--format must be text or svg, got "${opts.format}"`);
      }
      process.stdout.write(opts.format === "svg" ? renderStatusSvg() : `${renderStatusText()}\n`);
    });
}
