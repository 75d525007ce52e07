import { Worker } from "node:worker_threads";
import { RunnerError } from "../../errors/index.js";
import { CHILD_INIT_ENV, type ParentToWorker, type WorkerInit } from "../worker-messages.js";
import { runWorker } from "./worker-host.js";

/**
 * A child process of ProcessRunner, PersistentProcessRunner or MultiThreadRunner.
 *
 * The parent owns its lifecycle: signals from the terminal (Ctrl-C reaches the whole process
 * group) are ignored, and the child exits as soon as its parent is gone, through the IPC
 * `disconnect` event or, when a task blocks the event loop, through a watchdog thread that
 * sees the parent pid change and kills this process.
 */
function readInit(): WorkerInit {
  const raw = process.env[CHILD_INIT_ENV];
  const appIdx = process.argv.indexOf("--app");
  const appModule = appIdx >= 0 ? process.argv[appIdx + 1] : undefined;
  if (!raw || !appModule || !process.send) {
    throw new RunnerError(
      `${import.meta.url} is started by a process runner (fork with IPC, --app and ${CHILD_INIT_ENV}).`,
    );
  }
  return { ...(JSON.parse(raw) as WorkerInit), appModule };
}

const WATCHDOG = `
const { workerData } = require("node:worker_threads");
setInterval(() => {
  if (process.ppid !== workerData.parentPid) process.kill(process.pid, "SIGKILL");
}, 200);
`;

const init = readInit();
process.on("SIGINT", () => undefined);
process.on("SIGTERM", () => undefined);
process.on("disconnect", () => process.exit(1));
// The parent may have died while this child was starting: then no disconnect event comes.
if (!process.connected || process.ppid !== init.parentPid) process.exit(1);
new Worker(WATCHDOG, { eval: true, workerData: { parentPid: init.parentPid } }).unref();

await runWorker(
  init,
  {
    post: (m) => process.send?.(m),
    onMessage: (fn) => process.on("message", (m: ParentToWorker) => fn(m)),
  },
  () => process.exit(0),
);
