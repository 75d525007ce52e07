import { appServices } from "../../app.js";
import { InvocationExecutor } from "../execution/executor.js";
import { createRunnerContext } from "../execution/runner-context.js";
import { loadApp } from "../load-app.js";
import type { ParentToWorker, WorkerInit, WorkerToParent } from "../worker-messages.js";

/** How a worker talks to its parent: a MessagePort (threads) or the IPC channel (child processes). */
export interface WorkerTransport {
  post(m: WorkerToParent): void;
  onMessage(fn: (m: ParentToWorker) => void): void;
}

/**
 * The body of every worker, thread or child process: its own app instance, connection,
 * runner context and executor. The parent beats for the worker's context and hands its work
 * back when it dies, so the worker only reports what it runs.
 */
export async function runWorker(
  init: WorkerInit,
  transport: WorkerTransport,
  /** Called when a one-shot worker is done: exit with code 0 (the parent's sign of a planned exit). */
  exit: () => void,
): Promise<void> {
  const app = await loadApp(init.appModule);
  app.overrideConfig(init.overrides);
  const { config } = await app.config();
  const services = appServices(app);
  const components = await services.components();
  const context = createRunnerContext(init.kind, init.parentId, config.runnerHost || undefined);
  await components.orchestrator.registerRunner(context);
  let finishing = false;
  const finish = async () => {
    if (finishing) return;
    finishing = true;
    await executor.stopClaiming();
    await app.close();
    exit();
  };
  // A frozen parent beats for nobody: claim nothing while it is silent (see parentSilenceMs).
  let lastPing = Date.now();
  let silent = false;
  const parentAnswers = () => {
    const ok = init.parentSilenceMs === 0 || Date.now() - lastPing < init.parentSilenceMs;
    if (!ok && !silent)
      services.logger("worker").warn(`parent silent for over ${init.parentSilenceMs} ms: claiming paused`);
    silent = !ok;
    return ok;
  };
  const executor: InvocationExecutor = new InvocationExecutor({
    tasks: app,
    mayClaim: parentAnswers,
    components,
    config,
    context,
    slots: init.slots,
    logger: services.logger("worker"),
    events: {
      onStart: (inv) => {
        transport.post({ type: "started", inv });
        // A one-shot worker takes exactly one invocation, even while that one is paused.
        if (init.oneShot) void executor.stopClaiming();
      },
      onFinish: (id) => {
        transport.post({ type: "finished", id });
        if (init.oneShot && executor.owned().length === 0) void finish();
      },
      onPause: (id) => transport.post({ type: "paused", id }),
      onResume: (id) => transport.post({ type: "resumed", id }),
    },
  });
  transport.onMessage((m) => {
    switch (m.type) {
      case "ping":
        lastPing = Date.now();
        return;
      case "handBack":
        // The parent hands the work back itself once this worker is gone; the tasks learn it here.
        executor.abandonInFlight(m.reason);
        // After the abort listeners and what they resolved (microtasks) have run.
        setImmediate(() => transport.post({ type: "aborted" }));
        return;
      case "stop":
        // The parent holds the drain deadline: at it, it ends this worker and hands back what it owns.
        void (async () => {
          await executor.drain(Number.POSITIVE_INFINITY);
          await services.flushLogs();
          transport.post({ type: "drained" });
        })();
    }
  });
  transport.post({ type: "ready", context });
  executor.start();
}
