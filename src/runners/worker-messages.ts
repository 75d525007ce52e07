import type { NencConfigInput } from "../config/schema.js";
import type { RunnerContext } from "../core/contract/index.js";
import type { OwnedInvocation } from "./execution/hand-back.js";

/** What a worker (a thread or a child process) needs to start. */
export interface WorkerInit {
  /** Absolute path of the module exporting the app. */
  appModule: string;
  overrides: NencConfigInput;
  /** The parent runner's context id. */
  parentId: string;
  /** The parent's pid: a child process whose parent pid differs is orphaned and exits. */
  parentPid: number;
  /** Kind recorded in the worker's runner context, e.g. "ProcessRunnerChild". */
  kind: string;
  /** Invocations at once. */
  slots: number;
  /** Run one invocation, then exit (ProcessRunner). */
  oneShot: boolean;
  /**
   * A child process claims nothing while it has not heard from its parent for this long (the
   * parent pings at a quarter of it): a frozen parent (SIGSTOP) also stops beating for its
   * children, so whatever they claimed would be recovered and run twice. 0: no check (threads
   * freeze with their process).
   */
  parentSilenceMs: number;
}

/** workerData of a thread worker. */
export interface ThreadWorkerData extends WorkerInit {
  nencModule: string;
}

/** Worker to parent. IPC and MessagePort keep order, so "started" always precedes "finished". */
export type WorkerToParent =
  | { type: "ready"; context: RunnerContext }
  | { type: "started"; inv: OwnedInvocation }
  | { type: "finished"; id: string }
  | { type: "paused"; id: string }
  | { type: "resumed"; id: string }
  /** After "stop": the worker claims nothing more and everything it ran has finished. */
  | { type: "drained" }
  /** After "handBack": the ctx.signal of everything it runs is aborted and its listeners have run. */
  | { type: "aborted" };

/**
 * "stop": claim nothing more, finish what is in flight, then report "drained" (the parent ends
 * the worker). "ping": the parent is alive (see WorkerInit.parentSilenceMs). "handBack": the
 * parent is about to end the worker and hand its work back (shutdown): claim nothing more,
 * abort every in-flight ctx.signal ("handed back", with `reason`) and report "aborted".
 */
export type ParentToWorker = { type: "stop" } | { type: "ping" } | { type: "handBack"; reason: string };

/** The environment variable carrying a child process's WorkerInit (JSON). */
export const CHILD_INIT_ENV = "NENC_CHILD_INIT";
