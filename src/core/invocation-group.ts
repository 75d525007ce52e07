import type { Invocation } from "./invocation.js";

/** One finished member of a group: its position in the input and its result. */
export interface GroupResult<R> {
  index: number;
  result: R;
}

/**
 * The invocations `task.parallelize(...)` registered, in input order. `results()` yields each
 * result as it finishes (completion order; a failure rejects the iteration); `all()` resolves
 * every result in input order, or rejects with the first failure (the others keep running).
 */
export class InvocationGroup<R> {
  constructor(readonly invocations: ReadonlyArray<Invocation<R>>) {}

  get ids(): string[] {
    return this.invocations.map((i) => i.id);
  }

  async *results(): AsyncGenerator<GroupResult<R>, void, undefined> {
    const pending = new Map(
      this.invocations.map((inv, index) => [
        index,
        inv.result().then(
          (result) => ({ index, result }),
          (error: unknown) => ({ index, error }),
        ),
      ]),
    );
    while (pending.size > 0) {
      const next = await Promise.race(pending.values());
      pending.delete(next.index);
      if ("error" in next) throw next.error;
      yield next;
    }
  }

  all(): Promise<R[]> {
    return Promise.all(this.invocations.map((i) => i.result()));
  }
}
