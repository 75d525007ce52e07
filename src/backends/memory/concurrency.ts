import { groupScopeUsage, type ScopeMember } from "../../core/concurrency.js";
import type { ConcurrencyControlStore, ScopeUsage } from "../../core/contract/index.js";
import { isFinal, SLOT_HOLDING_STATUSES } from "../../core/status.js";
import type { MemoryStore } from "./store.js";

/** Reads of concurrency state in process memory: a scan of the invocations that have scopes. */
export class MemConcurrency implements ConcurrencyControlStore {
  constructor(private readonly store: MemoryStore) {}

  async registrationHolder(scope: string): Promise<string | null> {
    return registrationHolder(this.store, scope);
  }

  async scopeUsage(): Promise<ScopeUsage[]> {
    const members: ScopeMember[] = [];
    for (const [id, c] of this.store.concurrency) {
      const row = this.store.statuses.get(id);
      if (!row || c.runningScope === null) continue;
      members.push({
        id,
        taskId: row.taskId,
        scope: c.runningScope,
        limit: c.runningLimit,
        status: row.status,
        waitSeq: this.store.waitSeq.get(id) ?? 0,
      });
    }
    return groupScopeUsage(members);
  }
}

/** The non-final invocation registered with `scope`, if any. */
export function registrationHolder(store: MemoryStore, scope: string): string | null {
  for (const [id, c] of store.concurrency) {
    if (c.registrationScope !== scope) continue;
    const row = store.statuses.get(id);
    if (row && !isFinal(row.status)) return id;
  }
  return null;
}

/** Invocations of `scope` holding a slot, other than `except`. */
export function slotHolders(store: MemoryStore, scope: string, except: string): number {
  let n = 0;
  for (const [id, c] of store.concurrency) {
    if (id === except || c.runningScope !== scope) continue;
    const row = store.statuses.get(id);
    if (row && SLOT_HOLDING_STATUSES.includes(row.status)) n++;
  }
  return n;
}

/** The oldest waiter (CONCURRENCY_CONTROLLED) of `scope`, if any. */
export function oldestWaiter(store: MemoryStore, scope: string): string | null {
  let best: { id: string; seq: number } | null = null;
  for (const [id, c] of store.concurrency) {
    if (c.runningScope !== scope) continue;
    const row = store.statuses.get(id);
    if (row?.status !== "CONCURRENCY_CONTROLLED") continue;
    const seq = store.waitSeq.get(id) ?? 0;
    if (!best || seq < best.seq) best = { id, seq };
  }
  return best?.id ?? null;
}
