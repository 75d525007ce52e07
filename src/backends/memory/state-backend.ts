import type {
  InvocationData,
  InvocationDataFilter,
  LogRecord,
  StateBackend,
  StoredValue,
} from "../../core/contract/index.js";
import { scheduleOf } from "../../core/routing.js";
import { MEMORY_CAPABILITIES } from "./orchestrator.js";
import type { MemoryStore } from "./store.js";

export class MemStateBackend implements StateBackend {
  readonly capabilities = MEMORY_CAPABILITIES;
  constructor(private readonly store: MemoryStore) {}

  async init(): Promise<void> {}

  async saveInvocations(invocations: readonly InvocationData[]): Promise<void> {
    for (const inv of invocations) {
      this.store.invocations.set(inv.id, { ...inv, ...scheduleOf(inv) });
    }
  }

  async getInvocations(ids: readonly string[]): Promise<Map<string, InvocationData>> {
    const out = new Map<string, InvocationData>();
    for (const id of ids) {
      const inv = this.store.invocations.get(id);
      if (inv) out.set(id, { ...inv });
    }
    return out;
  }

  async findInvocations(filter: InvocationDataFilter): Promise<InvocationData[]> {
    const out = [...this.store.invocations.values()].filter(
      (i) =>
        (filter.parentId === undefined || i.parentId === filter.parentId) &&
        (filter.workflowId === undefined || i.workflowId === filter.workflowId) &&
        (!filter.rootsOnly || i.parentId === null) &&
        (filter.taskId === undefined || i.taskId === filter.taskId) &&
        (filter.createdAfter === undefined || i.createdAt >= filter.createdAfter) &&
        (filter.createdBefore === undefined || i.createdAt < filter.createdBefore),
    );
    out.sort((a, b) => b.createdAt - a.createdAt);
    const offset = filter.offset ?? 0;
    return out.slice(offset, filter.limit === undefined ? undefined : offset + filter.limit).map((i) => ({ ...i }));
  }

  async putValues(values: readonly StoredValue[]): Promise<void> {
    for (const v of values) {
      const kept = this.store.values.get(v.hash) ?? { data: v.data, refs: new Set<string>() };
      kept.refs.add(v.invocationId);
      this.store.values.set(v.hash, kept);
    }
  }

  async getValues(hashes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const h of hashes) {
      const v = this.store.values.get(h);
      if (v) out.set(h, v.data);
    }
    return out;
  }

  async deleteInvocations(ids: readonly string[]): Promise<void> {
    const gone = new Set(ids);
    for (const id of ids) this.store.invocations.delete(id);
    for (const [hash, v] of this.store.values) {
      for (const id of ids) v.refs.delete(id);
      if (v.refs.size === 0) this.store.values.delete(hash);
    }
    const kept = this.store.logs.filter((l) => l.invocationId === null || !gone.has(l.invocationId));
    this.store.logs.splice(0, this.store.logs.length, ...kept);
  }

  async appendLogs(records: readonly LogRecord[]): Promise<void> {
    this.store.logs.push(...records);
  }

  async logs(invocationId: string, limit = 1000): Promise<LogRecord[]> {
    return this.store.logs.filter((l) => l.invocationId === invocationId).slice(0, limit);
  }

  async purge(): Promise<void> {
    this.store.invocations.clear();
    this.store.logs.length = 0;
    this.store.values.clear();
  }

  async close(): Promise<void> {}
}
