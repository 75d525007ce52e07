import type { Broker, RouteRequest } from "../contract.js";
import { MEMORY_CAPABILITIES } from "./orchestrator.js";
import { type MemoryStore, waitForEvent } from "./store.js";

export class MemBroker implements Broker {
  readonly capabilities = MEMORY_CAPABILITIES;
  constructor(private readonly store: MemoryStore) {}

  async init(): Promise<void> {}

  async route(requests: readonly RouteRequest[]): Promise<void> {
    for (const r of requests) {
      this.store.queue.push({
        id: r.id,
        availableAt: r.availableAt ?? 0,
        priority: r.priority ?? 0,
        seq: ++this.store.seq,
      });
    }
    this.store.events.emit("work");
  }

  async claim(max: number): Promise<string[]> {
    const now = Date.now();
    const q = this.store.queue;
    const ready = q
      .filter((m) => m.availableAt <= now)
      .sort((a, b) => b.priority - a.priority || a.seq - b.seq)
      .slice(0, max);
    const taken = new Set(ready);
    for (let i = q.length - 1; i >= 0; i--) {
      const m = q[i];
      if (m && taken.has(m)) q.splice(i, 1);
    }
    return ready.map((m) => m.id);
  }

  async queued(ids: readonly string[]): Promise<Set<string>> {
    const want = new Set(ids);
    return new Set(this.store.queue.filter((m) => want.has(m.id)).map((m) => m.id));
  }

  async depth(): Promise<number> {
    return this.store.queue.length;
  }

  waitForWork(timeoutMs: number): Promise<void> {
    const now = Date.now();
    const next = this.store.queue.reduce((min, m) => Math.min(min, m.availableAt), Number.POSITIVE_INFINITY);
    if (next <= now) return Promise.resolve();
    return waitForEvent(this.store.events, "work", Math.min(timeoutMs, Math.max(1, next - now)));
  }

  async purge(): Promise<void> {
    this.store.queue.length = 0;
  }

  async close(): Promise<void> {}
}
