import { EventEmitter } from "node:events";
import type {
  ConcurrencyScopes,
  HistoryEntry,
  InvocationData,
  LogRecord,
  Outcome,
  RouteRequest,
  RunnerRecord,
  StatusRecord,
} from "../../core/contract/index.js";

/** The data of one app held in this process; shared by the three memory components. */
export class MemoryStore {
  readonly statuses = new Map<string, StatusRecord>();
  readonly history = new Map<string, HistoryEntry[]>();
  readonly outcomes = new Map<string, Outcome>();
  /** Concurrency scopes of the invocations that have any. */
  readonly concurrency = new Map<string, ConcurrencyScopes>();
  /** When each waiter (CONCURRENCY_CONTROLLED) began waiting, in order (FIFO wake-ups). */
  readonly waitSeq = new Map<string, number>();
  nextWaitSeq = 0;
  readonly invocations = new Map<string, InvocationData>();
  readonly runners = new Map<string, RunnerRecord>();
  readonly leases = new Map<string, { holder: string; expiresAt: number }>();
  readonly queue = new PriorityQueue();
  readonly logs: LogRecord[] = [];
  readonly events = new EventEmitter();

  constructor() {
    this.events.setMaxListeners(0);
  }

  clear(): void {
    this.statuses.clear();
    this.history.clear();
    this.outcomes.clear();
    this.concurrency.clear();
    this.waitSeq.clear();
    this.invocations.clear();
    this.runners.clear();
    this.leases.clear();
    this.queue.clear();
    this.logs.length = 0;
  }
}

export type QueuedMessage = Required<RouteRequest>;

/** FIFO lists by priority, plus messages not yet due. */
export class PriorityQueue {
  private readonly lanes = new Map<number, { items: QueuedMessage[]; head: number }>();
  delayed: QueuedMessage[] = [];

  enqueue(m: QueuedMessage): void {
    let lane = this.lanes.get(m.priority);
    if (!lane) {
      lane = { items: [], head: 0 };
      this.lanes.set(m.priority, lane);
    }
    lane.items.push(m);
  }

  promoteDue(now: number): void {
    if (this.delayed.length === 0) return;
    const due = this.delayed.filter((m) => m.availableAt <= now);
    if (due.length === 0) return;
    this.delayed = this.delayed.filter((m) => m.availableAt > now);
    for (const m of due) this.enqueue(m);
  }

  take(max: number): QueuedMessage[] {
    const out: QueuedMessage[] = [];
    for (const priority of [...this.lanes.keys()].sort((a, b) => b - a)) {
      const lane = this.lanes.get(priority);
      if (!lane) continue;
      while (out.length < max && lane.head < lane.items.length) {
        const m = lane.items[lane.head++];
        if (m) out.push(m);
      }
      if (lane.head >= lane.items.length) this.lanes.delete(priority);
      else if (lane.head > 1024) {
        lane.items = lane.items.slice(lane.head);
        lane.head = 0;
      }
      if (out.length >= max) break;
    }
    return out;
  }

  readyCount(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.items.length - lane.head;
    return n;
  }

  size(): number {
    return this.readyCount() + this.delayed.length;
  }

  all(): QueuedMessage[] {
    return [...[...this.lanes.values()].flatMap((l) => l.items.slice(l.head)), ...this.delayed];
  }

  clear(): void {
    this.lanes.clear();
    this.delayed = [];
  }
}

const stores = new Map<string, MemoryStore>();

/** One store per app id in this process. */
export function memoryStore(appId: string): MemoryStore {
  let store = stores.get(appId);
  if (!store) {
    store = new MemoryStore();
    stores.set(appId, store);
  }
  return store;
}

/** Resolve on the next `event`, or after `timeoutMs`. */
export function waitForEvent(events: EventEmitter, event: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      events.off(event, done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    events.on(event, done);
  });
}
