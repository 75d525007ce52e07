import type { Broker, RouteRequest } from "../../core/contract/index.js";
import { DEFAULT_QUEUE } from "../../core/priorities.js";
import { MEMORY_CAPABILITIES } from "./orchestrator.js";
import { type MemoryStore, type QueuedMessage, waitForEvent } from "./store.js";

/**
 * In-process queues: per queue one FIFO per priority (claims take the highest priority first,
 * then the oldest, across the claimer's queues) and a list of delayed messages moved in when
 * due, so a claim costs O(claimed × queues), not O(queued).
 */
export class MemBroker implements Broker {
  readonly capabilities = MEMORY_CAPABILITIES;
  constructor(private readonly store: MemoryStore) {}

  async init(): Promise<void> {}

  async route(requests: readonly RouteRequest[]): Promise<void> {
    const now = Date.now();
    for (const r of requests) {
      const msg: QueuedMessage = {
        id: r.id,
        queue: r.queue ?? DEFAULT_QUEUE,
        availableAt: r.availableAt ?? 0,
        priority: r.priority ?? 0,
        seq: this.store.queue.nextSeq(),
      };
      if (msg.availableAt > now) this.store.queue.delayed.push(msg);
      else this.store.queue.enqueue(msg);
    }
    this.store.events.emit("work");
  }

  async claim(max: number, queues: readonly string[] = []): Promise<string[]> {
    this.store.queue.promoteDue(Date.now());
    return this.store.queue.take(max, queues).map((m) => m.id);
  }

  async queued(ids: readonly string[]): Promise<Set<string>> {
    const want = new Set(ids);
    return new Set(
      this.store.queue
        .all()
        .filter((m) => want.has(m.id))
        .map((m) => m.id),
    );
  }

  async depth(): Promise<number> {
    return this.store.queue.size();
  }

  waitForWork(timeoutMs: number, queues: readonly string[] = []): Promise<void> {
    const now = Date.now();
    const q = this.store.queue;
    q.promoteDue(now);
    if (q.readyCount(queues) > 0) return Promise.resolve();
    const next = q.delayed.reduce((min, m) => Math.min(min, m.availableAt), Number.POSITIVE_INFINITY);
    return waitForEvent(this.store.events, "work", Math.min(timeoutMs, Math.max(1, next - now)));
  }

  async purge(): Promise<void> {
    this.store.queue.clear();
  }

  async close(): Promise<void> {}
}
