import type { Command } from "commander";
import { startMonitor } from "../../monitor/server.js";
import { APP_OPTION, loadCliApp } from "../app-option.js";

export function registerMonitorCommand(program: Command): void {
  program
    .command("monitor")
    .description("Serve the web monitor (dashboard, timeline, invocations, runners, /metrics) for the app")
    .option(...APP_OPTION)
    .option("--host <host>", "address to bind; anything but loopback needs a token", "127.0.0.1")
    .option("--port <n>", "port", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be 0-65535, got "${v}"`);
      return n;
    })
    .option("--token <t>", "require this token (default: NENC__MONITOR_TOKEN)")
    .action(async (opts: { app?: string; host: string; port?: number; token?: string }) => {
      const { app } = await loadCliApp(opts.app);
      const token = opts.token ?? (process.env.NENC__MONITOR_TOKEN || undefined);
      const m = await startMonitor(app, { host: opts.host, port: opts.port ?? 8000, token });
      process.stdout.write(`nenc monitor listening on ${m.url}${token ? " (token required)" : ""}\n`);
      const stop = () => {
        void m.close().then(async () => {
          await app.close();
          process.exit(0);
        });
      };
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    });
}
