import { createHash } from "node:crypto";
import { v5 as uuidv5 } from "uuid";
import { currentExecution } from "../core/context.js";
import type { Orchestrator, ValueStore, WorkflowStep } from "../core/contract/index.js";
import { finalOutcome } from "../core/invocation.js";
import { decode, encode } from "../core/serialization.js";
import { isFinal } from "../core/status.js";
import { SuspendExecution } from "../core/suspend.js";
import type { Task, TaskFunction } from "../core/task.js";
import { AbortedError, NonDeterminismError, WorkflowError } from "../errors/index.js";

/** Namespace of the ids a workflow derives (children, wf.uuid()). */
const NAMESPACE = "8d3c3f9e-2f1b-4c59-9a7d-3c1f6b0e5a42";
/** A child still running is checked again after at most this long (its end wakes the workflow sooner). */
const MAX_CHILD_RECHECK_MS = 30_000;

/** What a workflow execution needs, given by the app. */
export interface WorkflowDeps {
  orchestrator: Pick<Orchestrator, "recordStep" | "workflowData" | "getSettled" | "getOutcome">;
  values: ValueStore;
  invocationId: string;
  workflowId: string;
  token: number;
  /** The steps recorded by earlier executions, in order. */
  recorded: readonly WorkflowStep[];
  /** Register a child invocation (a sub-invocation of this workflow) with a fixed id; idempotent. */
  registerChild(taskId: string, args: readonly unknown[], id: string): Promise<void>;
}

type Kind = "run" | "step" | "uuid" | "random" | "now" | "sleep" | "set";

/**
 * The `wf` of a workflow. Each wf.* call is a numbered step; a completed step is recorded
 * durably (fenced by the execution's token) and, when the workflow runs again, returns its
 * recorded value without running again.
 */
export class WorkflowContext {
  private next = 1;
  private readonly recorded: Map<number, WorkflowStep>;
  /** Writes of the synchronous steps (uuid, random, now), awaited before the next step. */
  private pending: Promise<void>[] = [];
  private closed = false;
  /** Set when the workflow suspends (sleep, a child not done): every later wf.* call throws it too. */
  suspension: SuspendExecution | null = null;
  /** A determinism failure: the workflow fails with it even if its code caught it. */
  failure: NonDeterminismError | null = null;

  constructor(private readonly deps: WorkflowDeps) {
    this.recorded = new Map(deps.recorded.map((s) => [s.stepNo, s]));
  }

  /** This workflow's id (the root invocation's id). */
  get workflowId(): string {
    return this.deps.workflowId;
  }

  /** This workflow invocation's id. */
  get invocationId(): string {
    return this.deps.invocationId;
  }

  /**
   * Call a task (or a workflow: a child workflow) as a recorded step and wait for its result.
   * On a replay, a child already registered is not registered again: its result is read, or,
   * while it still runs, the workflow waits (WAITING, holding no runner) until it ends.
   */
  async run<F extends TaskFunction>(task: Task<F>, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> {
    const { n, rec } = this.take("run", task.id);
    await this.flush();
    let childId: string;
    if (rec) {
      childId = JSON.parse(rec.value) as string;
    } else {
      childId = uuidv5(`${this.deps.invocationId}:${n}`, NAMESPACE);
      encode(args, `workflow step ${n} (${task.id} arguments)`);
      await this.deps.registerChild(task.id, args, childId);
      await this.record(n, "run", task.id, JSON.stringify(childId));
    }
    const child = (await this.deps.orchestrator.getSettled([childId])).get(childId);
    if (child && isFinal(child.record.status)) {
      return (await finalOutcome(this.deps.orchestrator, this.deps.values, child, task.id)) as Awaited<ReturnType<F>>;
    }
    const since = rec?.at ?? Date.now();
    const recheck = Math.min(MAX_CHILD_RECHECK_MS, Math.max(1000, Date.now() - since));
    throw this.suspend(Date.now() + recheck, `waiting for ${task.id} ${childId} (step ${n})`, childId);
  }

  /** Run `fn` once as a recorded step named `name`: a replay returns its recorded value without calling it. */
  async step<T>(name: string, fn: () => T | Promise<T>): Promise<Awaited<T>> {
    if (typeof name !== "string" || name === "") throw new WorkflowError("wf.step(name, fn) needs a step name.");
    const { n, rec } = this.take("step", name);
    await this.flush();
    if (rec) return decode(rec.value) as Awaited<T>;
    const value = await fn();
    const text = encode(value, `workflow step ${n} ("${name}") result`);
    const stored = await this.record(n, "step", name, text);
    return decode(stored.value) as Awaited<T>;
  }

  /** A UUID, the same on every replay. */
  uuid(): string {
    const { n, rec } = this.take("uuid", "");
    if (rec) return JSON.parse(rec.value) as string;
    const value = uuidv5(`${this.deps.invocationId}:${n}:uuid`, NAMESPACE);
    this.recordLater(n, "uuid", JSON.stringify(value));
    return value;
  }

  /** A number in [0, 1), the same on every replay. */
  random(): number {
    const { n, rec } = this.take("random", "");
    if (rec) return JSON.parse(rec.value) as number;
    const digest = createHash("sha256").update(`${this.deps.invocationId}:${n}:random`).digest();
    const value = digest.readUIntBE(0, 6) / 2 ** 48;
    this.recordLater(n, "random", JSON.stringify(value));
    return value;
  }

  /** The time, as first read: the same on every replay. */
  now(): Date {
    const { n, rec } = this.take("now", "");
    if (rec) return new Date(JSON.parse(rec.value) as number);
    const value = Date.now();
    this.recordLater(n, "now", JSON.stringify(value));
    return new Date(value);
  }

  /**
   * A durable timer: the workflow is suspended (WAITING, no runner slot, no process memory)
   * and runs again, replaying its recorded steps, within about a second after `ms` from the
   * first time this step ran.
   */
  async sleep(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new WorkflowError(`wf.sleep(ms) needs a duration >= 0, got ${ms}.`);
    const { n, rec } = this.take("sleep", "");
    await this.flush();
    const wakeAt = rec ? (JSON.parse(rec.value) as number) : Date.now() + ms;
    if (!rec) await this.record(n, "sleep", "", JSON.stringify(wakeAt));
    if (Date.now() >= wakeAt) return;
    throw this.suspend(wakeAt, `sleeping until ${new Date(wakeAt).toISOString()} (step ${n})`, null);
  }

  /** Set workflow data (scoped to the workflow id), recorded as a step. */
  async set(key: string, value: unknown): Promise<void> {
    if (typeof key !== "string" || key === "") throw new WorkflowError("wf.set(key, value) needs a key.");
    const { n, rec } = this.take("set", key);
    await this.flush();
    if (rec) return;
    const text = encode(value, `workflow step ${n} (data "${key}")`);
    await this.record(n, "set", key, text, { workflowId: this.deps.workflowId, key, value: text });
  }

  /** Read workflow data (the current value; not a step). */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    this.check("get");
    await this.flush();
    const text = (await this.deps.orchestrator.workflowData(this.deps.workflowId)).get(key);
    return text === undefined ? undefined : (decode(text) as T);
  }

  /** The workflow function returned or threw: wait for the last writes, then no wf.* call is accepted. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
    }
  }

  private check(method: string): void {
    if (this.closed) {
      throw new WorkflowError(
        `wf.${method}() was called after the workflow ${this.deps.invocationId} returned; await every wf call inside the workflow.`,
      );
    }
    if (currentExecution()?.invocationId !== this.deps.invocationId) {
      throw new WorkflowError(
        `wf.${method}() was called outside its workflow's execution (${this.deps.invocationId}).`,
      );
    }
    if (this.suspension) throw this.suspension;
  }

  /** The next step number, with the step recorded at it (checked against what is asked). */
  private take(kind: Kind, name: string): { n: number; rec: WorkflowStep | undefined } {
    this.check(kind);
    const n = this.next++;
    const rec = this.recorded.get(n);
    if (rec && (rec.kind !== kind || rec.name !== name)) {
      this.failure ??= new NonDeterminismError(n, describe(rec.kind, rec.name), describe(kind, name));
      throw this.failure;
    }
    return { n, rec };
  }

  private suspend(wakeAt: number, reason: string, child: string | null): SuspendExecution {
    this.suspension ??= new SuspendExecution(wakeAt, reason, child);
    return this.suspension;
  }

  private async record(
    n: number,
    kind: Kind,
    name: string,
    value: string,
    data?: { workflowId: string; key: string; value: string },
  ): Promise<WorkflowStep> {
    const step = { invocationId: this.deps.invocationId, stepNo: n, kind, name, value, at: Date.now() };
    const r = await this.deps.orchestrator.recordStep(step, this.deps.token, data);
    if (r.outcome === "fenced") {
      throw new AbortedError(
        this.deps.invocationId,
        "ownership lost",
        `step ${n} (${describe(kind, name)}) was not recorded: another runner holds the workflow now`,
      );
    }
    this.recorded.set(n, r.step);
    return r.step;
  }

  private recordLater(n: number, kind: Kind, value: string): void {
    const write = this.record(n, kind, "", value).then(() => {});
    write.catch(() => {}); // surfaced by flush()
    this.pending.push(write);
  }

  private async flush(): Promise<void> {
    const writes = this.pending;
    this.pending = [];
    await Promise.all(writes);
  }
}

function describe(kind: string, name: string): string {
  return name ? `${kind} "${name}"` : kind;
}
