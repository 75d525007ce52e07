import { CorruptRecordError, InvocationNotFoundError, TaskFailedError, TimeoutError } from "../errors/index.js";
import { currentExecution, currentRunnerId } from "./context.js";
import type { HistoryEntry, Orchestrator, StateBackend, TriggerOrigin, ValueStore } from "./contract/index.js";
import { resolveValue } from "./large-values.js";
import { cancelInvocation } from "./operations/cancel.js";
import type { FinalState, ResultWaiter } from "./result-waiter.js";
import { decode } from "./serialization.js";
import type { Status } from "./status.js";

/** What a handle needs from the app: a narrow view, not the whole app. */
export interface InvocationAccess {
  orchestrator(): Promise<Orchestrator>;
  /** Where large results are stored. */
  values(): Promise<ValueStore>;
  /** Invocation data (its origin). */
  data(): Promise<Pick<StateBackend, "getInvocations">>;
  waiter(): Promise<ResultWaiter>;
}

export interface ResultOptions {
  /** Reject with TimeoutError after this long (the invocation keeps running). Default: wait forever. */
  timeoutMs?: number;
}

/** A handle on one invocation. `R` is the task's result type. */
export class Invocation<R = unknown> {
  constructor(
    readonly id: string,
    readonly taskId: string,
    private readonly access: InvocationAccess,
  ) {}

  async status(): Promise<Status> {
    const o = await this.access.orchestrator();
    const rec = (await o.getStatuses([this.id])).get(this.id);
    if (!rec) throw new InvocationNotFoundError(this.id);
    return rec.status;
  }

  /**
   * Cancel: an invocation not started never starts; a running one has its `ctx.signal` aborted
   * (within about a second) and its late result refused. Resolves true if the cancel took
   * effect, false if the invocation was already final. Its result() then rejects with the
   * NENC_CANCELLED code.
   */
  async cancel(reason = "cancelled by the caller"): Promise<boolean> {
    const o = await this.access.orchestrator();
    const r = await cancelInvocation(o, this.id, reason, currentRunnerId() ?? "caller");
    if (r.ok) return true;
    if (r.reason === "not-found") throw new InvocationNotFoundError(this.id);
    return false;
  }

  /** What started it when a trigger did (the trigger, and the tick, event or source invocation); null for a call. */
  async origin(): Promise<TriggerOrigin | null> {
    const data = (await (await this.access.data()).getInvocations([this.id])).get(this.id);
    if (!data) throw new InvocationNotFoundError(this.id);
    return data.origin ?? null;
  }

  async history(): Promise<HistoryEntry[]> {
    return (await this.access.orchestrator()).history(this.id);
  }

  /**
   * Wait until the invocation is final. Resolves with the task's result; a FAILED task (or one
   * that ended CONCURRENCY_CONTROLLED_FINAL: its ConcurrencyControlledError)
   * rejects with TaskFailedError carrying the original error's name, message, stack and cause.
   * Inside a runner, the calling invocation is PAUSED while it waits (its slot is free for
   * other work) and RESUMED when the result is ready.
   */
  async result(options: ResultOptions = {}): Promise<R> {
    const o = await this.access.orchestrator();
    const waiter = await this.access.waiter();
    const { promise, cancel } = waiter.wait(this.id);
    let timer: NodeJS.Timeout | undefined;
    const timeout =
      options.timeoutMs === undefined
        ? null
        : new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              cancel();
              reject(
                new TimeoutError(
                  `Invocation ${this.id} (${this.taskId}) was not final after ${options.timeoutMs} ms. Is a runner started for this app (nenc runner start --app <file>)?`,
                ),
              );
            }, options.timeoutMs);
          });
    const pause = currentExecution()?.pause;
    try {
      pause?.waitStarted();
      let settled: Awaited<typeof promise>;
      try {
        settled = await (timeout ? Promise.race([promise, timeout]) : promise);
      } finally {
        await pause?.waitEnded();
      }
      return (await finalOutcome(o, await this.access.values(), settled, this.taskId)) as R;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

/**
 * The result of a final invocation, or its error thrown as TaskFailedError (a
 * CONCURRENCY_CONTROLLED_FINAL one stores a ConcurrencyControlledError saying why it did not run).
 * The outcome is read only when the settled record does not carry it.
 */
export async function finalOutcome(
  o: Pick<Orchestrator, "getOutcome">,
  values: ValueStore,
  settled: FinalState,
  taskId: string,
): Promise<unknown> {
  const { id, status } = settled.record;
  if (settled.outcome instanceof Error) throw settled.outcome;
  const outcome = settled.outcome === undefined ? await o.getOutcome(id) : settled.outcome;
  if ((status === "FAILED" || status === "CONCURRENCY_CONTROLLED_FINAL") && outcome?.kind === "error") {
    throw new TaskFailedError(id, taskId, outcome.error);
  }
  if (status === "SUCCESS" && outcome?.kind === "result") {
    try {
      return decode(await resolveValue(values, outcome.value));
    } catch (err) {
      throw new CorruptRecordError(`The stored result of invocation ${id} cannot be decoded.`, { cause: err });
    }
  }
  throw new CorruptRecordError(
    `Invocation ${id} is ${status} but its ${status === "FAILED" ? "error" : "result"} is missing.`,
  );
}
