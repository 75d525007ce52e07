import { Worker } from "node:worker_threads";
import { heartbeatIntervalMs } from "../../config/resolve.js";
import type { NencConfig } from "../../config/schema.js";
import type { Orchestrator, RunnerContext } from "../../core/contract/index.js";
import type { Logger } from "../../core/logger.js";
import { siblingModule } from "../module-url.js";

export type HeartbeatMessage = { type: "add"; ids: string[] } | { type: "remove"; ids: string[] } | { type: "stop" };

/**
 * Beats for every runner context of this process. On backends shared across processes the
 * beats come from a dedicated worker thread with its own connection, so a task that blocks
 * the event loop does not stop them; on the memory backend (one process) a timer suffices.
 */
export class Heartbeat {
  private readonly ids = new Set<string>();
  private worker: Worker | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      config: NencConfig;
      orchestrator: Orchestrator;
      logger: Logger;
      /** Called when a beat could not be written (the backend is unreachable). */
      onError?: () => void;
    },
  ) {}

  /** Beat for `ids`; `liveness`: the runner context whose session the heartbeat thread holds (crash detection). */
  start(ids: string[], liveness?: RunnerContext): void {
    for (const id of ids) this.ids.add(id);
    const intervalMs = heartbeatIntervalMs(this.deps.config);
    if (this.deps.orchestrator.capabilities.sharedAcrossProcesses) {
      this.worker = new Worker(new URL("../worker/worker-entry.mjs", import.meta.url), {
        workerData: {
          nencModule: siblingModule("./heartbeat-thread", import.meta.url),
          config: this.deps.config,
          ids: [...this.ids],
          liveness: liveness ?? null,
          intervalMs,
        },
      });
      this.worker.on("message", (m: { type: "error"; message: string }) => {
        if (m.type !== "error") return;
        this.deps.onError?.();
        this.deps.logger.warn({ component: "heartbeat" }, `heartbeat failed: ${m.message}; retrying`);
      });
      this.worker.on("error", (err) =>
        this.deps.logger.error({ component: "heartbeat" }, `heartbeat thread crashed: ${err.message}`),
      );
      this.worker.unref();
    } else {
      this.timer = setInterval(() => {
        this.deps.orchestrator.heartbeat([...this.ids]).catch(() => this.deps.onError?.());
      }, intervalMs);
      this.timer.unref();
    }
  }

  add(ids: string[]): void {
    for (const id of ids) this.ids.add(id);
    this.worker?.postMessage({ type: "add", ids } satisfies HeartbeatMessage);
  }

  remove(ids: string[]): void {
    for (const id of ids) this.ids.delete(id);
    this.worker?.postMessage({ type: "remove", ids } satisfies HeartbeatMessage);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.worker) {
      const w = this.worker;
      this.worker = null;
      w.postMessage({ type: "stop" } satisfies HeartbeatMessage);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => void w.terminate().then(() => resolve()), 2000);
        w.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
