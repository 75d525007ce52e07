import { type ChildProcess, fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { siblingModule } from "../module-url.js";
import { CHILD_INIT_ENV, type ParentToWorker, type WorkerInit, type WorkerToParent } from "../worker-messages.js";

/** How a worker ended, as the parent saw it. */
export interface WorkerExit {
  /** For the history note, e.g. "child 1234 killed by SIGKILL". */
  description: string;
  /** Exit code 0: a one-shot worker finished, or a worker stopped when asked. */
  clean: boolean;
  /** The worker went over its memory limit. */
  memory: boolean;
}

/** The parent's side of one worker, a thread or a child process. */
export interface WorkerHandle {
  /** "child 1234" or "worker thread 3", for notes and logs. */
  readonly label: string;
  readonly pid: number | null;
  send(m: ParentToWorker): void;
  onMessage(fn: (m: WorkerToParent) => void): void;
  onExit(fn: (exit: WorkerExit) => void): void;
  /** End the worker now (SIGKILL / terminate) and resolve when it is gone. */
  kill(): Promise<void>;
}

export class ThreadHandle implements WorkerHandle {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  readonly pid = null;

  constructor(init: WorkerInit) {
    this.worker = new Worker(new URL("../worker/worker-entry.mjs", import.meta.url), {
      workerData: { ...init, nencModule: siblingModule("../worker/thread-worker", import.meta.url) },
    });
    this.exited = new Promise((resolve) => this.worker.once("exit", () => resolve()));
  }

  get label(): string {
    return `worker thread ${this.worker.threadId}`;
  }

  send(m: ParentToWorker): void {
    this.worker.postMessage(m);
  }

  onMessage(fn: (m: WorkerToParent) => void): void {
    this.worker.on("message", fn);
  }

  onExit(fn: (exit: WorkerExit) => void): void {
    let error: string | null = null;
    this.worker.on("error", (err) => {
      error = err.message;
    });
    this.worker.once("exit", (code) =>
      fn({
        description: `${this.label} exited (code ${code}${error ? `: ${error}` : ""})`,
        clean: code === 0 && error === null,
        memory: false,
      }),
    );
  }

  async kill(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }
}

/** Resident set size of a process in MB, from /proc (Linux); null where unavailable. */
export function residentMb(pid: number): number | null {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return Number.isFinite(pages) ? (pages * 4096) / 2 ** 20 : null;
  } catch {
    return null;
  }
}

/**
 * A forked child process. With a memory limit, V8's heap is capped (--max-old-space-size) and
 * the parent samples the child's resident set (Linux), killing it when it goes over.
 */
export class ProcessHandle implements WorkerHandle {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private overLimit: string | null = null;
  private watchdog: NodeJS.Timeout | null = null;

  constructor(
    init: WorkerInit,
    private readonly memoryLimitMb: number,
  ) {
    const { appModule, ...rest } = init;
    this.child = fork(new URL("../worker/child-process-entry.mjs", import.meta.url), ["--app", appModule], {
      execArgv: memoryLimitMb > 0 ? [`--max-old-space-size=${memoryLimitMb}`] : [],
      env: { ...process.env, [CHILD_INIT_ENV]: JSON.stringify(rest) },
      serialization: "json",
    });
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
    if (memoryLimitMb > 0) {
      this.watchdog = setInterval(() => {
        const rss = this.child.pid ? residentMb(this.child.pid) : null;
        if (rss !== null && rss > memoryLimitMb && this.overLimit === null) {
          this.overLimit = `${this.label} exceeded its memory limit (${Math.round(rss)} MB resident > ${memoryLimitMb} MB)`;
          this.child.kill("SIGKILL");
        }
      }, 250);
      this.watchdog.unref();
    }
    this.child.once("exit", () => {
      if (this.watchdog) clearInterval(this.watchdog);
    });
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  get label(): string {
    return `child ${this.child.pid ?? "(not started)"}`;
  }

  send(m: ParentToWorker): void {
    if (this.child.connected) this.child.send(m);
  }

  onMessage(fn: (m: WorkerToParent) => void): void {
    this.child.on("message", (m) => fn(m as WorkerToParent));
  }

  onExit(fn: (exit: WorkerExit) => void): void {
    this.child.on("error", () => undefined);
    this.child.once("exit", (code, signal) => {
      // V8 aborts a process that hits its heap limit (SIGABRT, or 134 through a shell).
      const heapLimit = this.memoryLimitMb > 0 && (signal === "SIGABRT" || code === 134);
      const description =
        this.overLimit ??
        (heapLimit
          ? `${this.label} exceeded its memory limit (V8 heap over ${this.memoryLimitMb} MB, ${signal ?? code})`
          : signal
            ? `${this.label} killed by ${signal}`
            : `${this.label} exited (code ${code})`);
      fn({ description, clean: code === 0, memory: this.overLimit !== null || heapLimit });
    });
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}
