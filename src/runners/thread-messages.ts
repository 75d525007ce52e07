import type { RunnerContext } from "../backends/contract.js";
import type { NencConfigInput } from "../config/schema.js";
import type { OwnedInvocation } from "./hand-back.js";

/** workerData of a ThreadRunner worker. */
export interface ThreadWorkerData {
  nencModule: string;
  appModule: string;
  overrides: NencConfigInput;
  parentId: string;
  slots: number;
}

export type WorkerToParent =
  | { type: "ready"; context: RunnerContext }
  | { type: "started"; inv: OwnedInvocation }
  | { type: "finished"; id: string };

export type ParentToWorker = { type: "stop" };
