import { parentPort, workerData } from "node:worker_threads";
import { createOrchestrator } from "../../backends/registry.js";
import type { NencConfig } from "../../config/schema.js";
import type { Orchestrator, RunnerContext } from "../../core/contract/index.js";
import type { HeartbeatMessage } from "./heartbeat.js";

/** Runs in its own thread: beats for the process's runner contexts on a timer. */
const data = workerData as { config: NencConfig; ids: string[]; intervalMs: number; liveness: RunnerContext | null };
const ids = new Set(data.ids);
/** Connect, retrying with backoff: a backend that is down when the runner starts must not end the beats. */
async function connect(): Promise<Orchestrator> {
  for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await createOrchestrator(data.config);
    } catch (err) {
      parentPort?.postMessage({ type: "error", message: `cannot connect: ${(err as Error).message}` });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

const orchestrator = await connect();
/** The runner's session (a lock, a named connection): the server ends it when this process dies. */
const liveness = data.liveness ? await orchestrator.holdLiveness(data.liveness).catch(() => null) : null;
let stopping = false;

async function beat(): Promise<void> {
  try {
    await orchestrator.heartbeat([...ids]);
  } catch (err) {
    parentPort?.postMessage({ type: "error", message: (err as Error).message });
  }
}

const timer = setInterval(() => void beat(), data.intervalMs);
await beat();

parentPort?.on("message", (m: HeartbeatMessage) => {
  if (m.type === "add") for (const id of m.ids) ids.add(id);
  else if (m.type === "remove") for (const id of m.ids) ids.delete(id);
  else if (m.type === "stop" && !stopping) {
    stopping = true;
    clearInterval(timer);
    void (async () => {
      await liveness?.release().catch(() => {});
      await orchestrator.close();
    })().finally(() => process.exit(0));
  }
});
