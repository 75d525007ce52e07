import { parentPort, workerData } from "node:worker_threads";
import { InvocationExecutor } from "./executor.js";
import { loadApp } from "./load-app.js";
import { createRunnerContext } from "./runner-context.js";
import type { ParentToWorker, ThreadWorkerData, WorkerToParent } from "./thread-messages.js";

/** One ThreadRunner worker: its own app instance, connection, runner context and executor. */
const data = workerData as ThreadWorkerData;
const post = (m: WorkerToParent) => parentPort?.postMessage(m);

const app = await loadApp(data.appModule);
app.overrideConfig(data.overrides);
const { config } = await app.config();
const components = await app.runtime.getComponents();
const context = createRunnerContext("ThreadRunnerWorker", data.parentId);
await components.orchestrator.registerRunner(context);
const executor = new InvocationExecutor({
  tasks: app,
  components,
  config,
  context,
  slots: data.slots,
  logger: app.runtime.log.child({ component: "worker" }),
  events: {
    onStart: (inv) => post({ type: "started", inv }),
    onFinish: (id) => post({ type: "finished", id }),
  },
});
post({ type: "ready", context });
executor.start();

parentPort?.on("message", (m: ParentToWorker) => {
  if (m.type === "stop") void executor.stopClaiming().then(() => app.runtime.flushLogs());
});
