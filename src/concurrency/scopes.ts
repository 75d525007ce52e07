import type { ConcurrencyControlStore, ScopeUsage } from "../core/contract/index.js";

/**
 * The running-concurrency scopes that are at their limit (every slot held), by task id, with
 * their holders and the invocations waiting on them (oldest first). The monitor's tasks page
 * shows them.
 */
export async function scopesAtLimit(store: ConcurrencyControlStore): Promise<Map<string, ScopeUsage[]>> {
  const byTask = new Map<string, ScopeUsage[]>();
  for (const u of await store.scopeUsage()) {
    if (u.holders.length < u.limit) continue;
    const list = byTask.get(u.taskId) ?? [];
    list.push(u);
    byTask.set(u.taskId, list);
  }
  for (const list of byTask.values())
    list.sort((a, b) => b.waiters.length - a.waiters.length || a.scope.localeCompare(b.scope));
  return byTask;
}
