// Entry of every worker thread nenc starts (the heartbeat thread, ThreadRunner workers): loads
// the module named in workerData. Loader hooks are per thread in Node 20, so when that module
// or the app module is TypeScript (nenc run from its sources, or a user's .ts app), it
// registers tsx in this thread first.
import { workerData } from "node:worker_threads";

const typescript = /\.[cm]?tsx?$/;
if ([workerData.nencModule, workerData.appModule].some((m) => typeof m === "string" && typescript.test(m))) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(workerData.nencModule);
