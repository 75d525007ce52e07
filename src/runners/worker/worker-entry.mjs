// Entry of every worker thread nenc starts: registers the TypeScript loader in this thread
// (loader hooks are per thread in Node 20), then loads the module named in workerData.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.nencModule);
