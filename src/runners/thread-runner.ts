import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { RunnerError } from "../errors/index.js";
import { handBack, type OwnedInvocation } from "./hand-back.js";
import { Runner } from "./runner.js";
import type { ThreadWorkerData, WorkerToParent } from "./thread-messages.js";

interface WorkerSlot {
  worker: Worker;
  contextId: string | null;
  inFlight: Map<string, OwnedInvocation>;
}

/**
 * Worker threads, each loading the app module and executing one invocation at a time with
 * its own runner context. This thread keeps their heartbeats (from the heartbeat thread) and
 * hands a lost worker's invocations back at once.
 */
export class ThreadRunner extends Runner {
  readonly kind = "ThreadRunner";
  private readonly slots = new Set<WorkerSlot>();
  private shuttingDown = false;

  protected defaultConcurrency(): number {
    return availableParallelism();
  }

  protected async startWork(): Promise<void> {
    if (!this.options.appModule) {
      throw new RunnerError("ThreadRunner needs the app module path (appModule) to load it in each worker thread.");
    }
    const ready = Array.from({ length: this.concurrency }, () => this.spawn());
    await Promise.all(ready);
  }

  private spawn(): Promise<void> {
    const data: ThreadWorkerData = {
      nencModule: new URL("./thread-worker.ts", import.meta.url).href,
      appModule: this.options.appModule ?? "",
      overrides: { ...this.config },
      parentId: this.context.id,
      slots: 1,
    };
    const worker = new Worker(new URL("./worker-entry.mjs", import.meta.url), { workerData: data });
    const slot: WorkerSlot = { worker, contextId: null, inFlight: new Map() };
    this.slots.add(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on("message", (m: WorkerToParent) => {
        if (m.type === "ready") {
          slot.contextId = m.context.id;
          this.heartbeat.add([m.context.id]);
          resolve();
        } else if (m.type === "started") slot.inFlight.set(m.inv.id, m.inv);
        else if (m.type === "finished") slot.inFlight.delete(m.id);
      });
      worker.on("error", (err) => {
        this.logger.error(
          { err: err.message },
          `worker thread ${slot.contextId ?? "(starting)"} crashed: ${err.message}`,
        );
        reject(err);
      });
      worker.on("exit", (code) => void this.onExit(slot, code));
    });
  }

  private async onExit(slot: WorkerSlot, code: number): Promise<void> {
    this.slots.delete(slot);
    if (this.shuttingDown) return;
    const lost = [...slot.inFlight.values()];
    slot.inFlight.clear();
    const reason = `worker thread ${slot.contextId} exited (code ${code})`;
    try {
      await handBack({ ...this.components, logger: this.logger }, lost, reason);
      if (slot.contextId) {
        this.heartbeat.remove([slot.contextId]);
        await this.components.orchestrator.markRunnersStopped([slot.contextId]);
      }
    } catch (err) {
      this.logger.error(`could not hand back the work of ${slot.contextId}: ${(err as Error).message}; recovery will`);
    }
    if (slot.contextId) this.spawn().catch(() => undefined);
  }

  protected async stopWork(reason: string): Promise<string[]> {
    this.shuttingDown = true;
    const slots = [...this.slots];
    for (const s of slots) s.worker.postMessage({ type: "stop" });
    const owned = slots.flatMap((s) => [...s.inFlight.values()]);
    await handBack({ ...this.components, logger: this.logger }, owned, reason);
    await Promise.all(slots.map((s) => s.worker.terminate()));
    return slots.map((s) => s.contextId).filter((id): id is string => id !== null);
  }
}
