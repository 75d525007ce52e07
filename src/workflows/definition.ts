import { currentExecution } from "../core/context.js";
import type { Orchestrator, StateBackend } from "../core/contract/index.js";
import { decode } from "../core/serialization.js";
import type { Task, TaskFunction } from "../core/task.js";
import { WorkflowError } from "../errors/index.js";
import { WorkflowContext } from "./context.js";

/** A workflow's function: the `wf` context first, then the arguments it is called with. */
export type WorkflowFunction<A extends unknown[], R> = (wf: WorkflowContext, ...args: A) => R | Promise<R>;

/** Workflow data read from outside the workflow (`fulfil.data(inv.id).get("stage")`). */
export interface WorkflowData {
  /** The value under `key`, or undefined. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Every key and value. */
  all(): Promise<Record<string, unknown>>;
}

/** A registered workflow: a task (called, awaited and typed like any) with its data. */
export type Workflow<F extends TaskFunction> = Task<F> & {
  /** The data of the workflow `invocationId` belongs to (its root's id is the workflow id). */
  data(invocationId: string): WorkflowData;
};

interface WorkflowComponents {
  orchestrator: Orchestrator;
  stateBackend: StateBackend;
}

/**
 * The task function of a workflow: on every execution it replays the recorded steps, then
 * goes on. A suspension (sleep, a child not done) or a determinism failure wins over what the
 * workflow's own code did with it (a caught suspension still suspends).
 */
export function workflowBody<A extends unknown[], R>(
  fn: WorkflowFunction<A, R>,
  deps: {
    components(): Promise<WorkflowComponents>;
    registerChild(taskId: string, args: readonly unknown[], id: string): Promise<void>;
  },
): (...args: A) => Promise<Awaited<R>> {
  return async (...args: A): Promise<Awaited<R>> => {
    const exec = currentExecution();
    if (!exec || exec.token === undefined) {
      throw new WorkflowError(
        "A workflow runs on a runner: call it (await fulfil(...)) instead of calling its function.",
      );
    }
    const { orchestrator, stateBackend } = await deps.components();
    const wf = new WorkflowContext({
      orchestrator,
      values: stateBackend,
      invocationId: exec.invocationId,
      workflowId: exec.workflowId,
      token: exec.token,
      recorded: await orchestrator.workflowSteps(exec.invocationId),
      registerChild: deps.registerChild,
    });
    let outcome: { ok: true; value: Awaited<R> } | { ok: false; err: unknown };
    try {
      outcome = { ok: true, value: await fn(wf, ...args) };
    } catch (err) {
      outcome = { ok: false, err };
    }
    try {
      await wf.close();
    } catch (err) {
      if (outcome.ok) outcome = { ok: false, err };
    }
    if (wf.failure) throw wf.failure;
    if (wf.suspension) throw wf.suspension;
    if (!outcome.ok) throw outcome.err;
    return outcome.value;
  };
}

/** Workflow data of the workflow an invocation belongs to. */
export function workflowData(components: () => Promise<WorkflowComponents>, invocationId: string): WorkflowData {
  const read = async () => {
    const { orchestrator, stateBackend } = await components();
    const inv = (await stateBackend.getInvocations([invocationId])).get(invocationId);
    return orchestrator.workflowData(inv?.workflowId ?? invocationId);
  };
  return {
    async get<T = unknown>(key: string): Promise<T | undefined> {
      const text = (await read()).get(key);
      return text === undefined ? undefined : (decode(text) as T);
    },
    async all(): Promise<Record<string, unknown>> {
      return Object.fromEntries([...(await read())].map(([k, v]) => [k, decode(v)]));
    },
  };
}
