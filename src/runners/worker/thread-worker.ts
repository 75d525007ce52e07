import { parentPort, workerData } from "node:worker_threads";
import type { ParentToWorker, ThreadWorkerData, WorkerToParent } from "../worker-messages.js";
import { runWorker } from "./worker-host.js";

/** A worker thread of ThreadRunner. */
await runWorker(
  workerData as ThreadWorkerData,
  {
    post: (m: WorkerToParent) => parentPort?.postMessage(m),
    onMessage: (fn) => parentPort?.on("message", (m: ParentToWorker) => fn(m)),
  },
  () => process.exit(0),
);
