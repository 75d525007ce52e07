import { EventEmitter } from "node:events";
import type {
  ConcurrencyScopes,
  HistoryEntry,
  InvocationData,
  LogRecord,
  Outcome,
  RunnerRecord,
  StatusRecord,
  WorkflowStep,
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
  readonly triggerStates = new Map<string, { value: string; version: number }>();
  readonly workflowSteps = new Map<string, Map<number, WorkflowStep>>();
  readonly workflowData = new Map<string, Map<string, string>>();
  readonly queue = new PriorityQueue();
  readonly logs: LogRecord[] = [];
  /** Large values by hash, with the invocations referencing each. */
  readonly values = new Map<string, { data: string; refs: Set<string> }>();
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
    this.triggerStates.clear();
    this.workflowSteps.clear();
    this.workflowData.clear();
    this.queue.clear();
    this.logs.length = 0;
    this.values.clear();
  }
}

export interface QueuedMessage {
  id: string;
  queue: string;
  priority: number;
  availableAt: number;
  /** Arrival order (FIFO within a priority, across queues). */
  seq: number;
}

type Lane = { items: QueuedMessage[]; head: number };

/**
 * Ready messages by queue, each queue a FIFO per priority, plus messages not yet due. A claim
 * from several queues takes the best head among them (priority, then arrival) each time.
 */
export class PriorityQueue {
  private readonly queues = new Map<string, Map<number, Lane>>();
  private seq = 0;
  delayed: QueuedMessage[] = [];

  nextSeq(): number {
    return ++this.seq;
  }

  enqueue(m: QueuedMessage): void {
    let lanes = this.queues.get(m.queue);
    if (!lanes) {
      lanes = new Map();
      this.queues.set(m.queue, lanes);
    }
    let lane = lanes.get(m.priority);
    if (!lane) {
      lane = { items: [], head: 0 };
      lanes.set(m.priority, lane);
    }
    lane.items.push(m);
  }

  promoteDue(now: number): void {
    if (this.delayed.length === 0) return;
    const due = this.delayed.filter((m) => m.availableAt <= now);
    if (due.length === 0) return;
    this.delayed = this.delayed.filter((m) => m.availableAt > now);
    for (const m of due.sort((a, b) => a.seq - b.seq)) this.enqueue(m);
  }

  /** Up to `max` ready messages of `queues` (every queue when empty), best first. */
  take(max: number, queues: readonly string[]): QueuedMessage[] {
    const out: QueuedMessage[] = [];
    const names = queues.length > 0 ? queues : [...this.queues.keys()];
    while (out.length < max) {
      let best: { lanes: Map<number, Lane>; priority: number; lane: Lane; m: QueuedMessage } | null = null;
      for (const name of names) {
        const lanes = this.queues.get(name);
        if (!lanes || lanes.size === 0) continue;
        const priority = Math.max(...lanes.keys());
        const lane = lanes.get(priority);
        const m = lane?.items[lane.head];
        if (!lane || !m) continue;
        if (!best || m.priority > best.m.priority || (m.priority === best.m.priority && m.seq < best.m.seq)) {
          best = { lanes, priority, lane, m };
        }
      }
      if (!best) break;
      out.push(best.m);
      best.lane.head++;
      if (best.lane.head >= best.lane.items.length) best.lanes.delete(best.priority);
      else if (best.lane.head > 1024) {
        best.lane.items = best.lane.items.slice(best.lane.head);
        best.lane.head = 0;
      }
    }
    return out;
  }

  /** Ready messages in `queues` (every queue when empty). */
  readyCount(queues: readonly string[] = []): number {
    let n = 0;
    for (const [name, lanes] of this.queues) {
      if (queues.length > 0 && !queues.includes(name)) continue;
      for (const lane of lanes.values()) n += lane.items.length - lane.head;
    }
    return n;
  }

  size(): number {
    return this.readyCount() + this.delayed.length;
  }

  all(): QueuedMessage[] {
    const ready = [...this.queues.values()].flatMap((lanes) =>
      [...lanes.values()].flatMap((l) => l.items.slice(l.head)),
    );
    return [...ready, ...this.delayed];
  }

  clear(): void {
    this.queues.clear();
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
