import { EventEmitter } from "node:events";
import type {
  HistoryEntry,
  InvocationData,
  LogRecord,
  Outcome,
  RouteRequest,
  RunnerRecord,
  StatusRecord,
} from "../contract.js";

/** The data of one app held in this process; shared by the three memory components. */
export class MemoryStore {
  readonly statuses = new Map<string, StatusRecord>();
  readonly history = new Map<string, HistoryEntry[]>();
  readonly outcomes = new Map<string, Outcome>();
  readonly invocations = new Map<string, InvocationData>();
  readonly runners = new Map<string, RunnerRecord>();
  readonly leases = new Map<string, { holder: string; expiresAt: number }>();
  readonly queue: Array<Required<RouteRequest> & { seq: number }> = [];
  readonly logs: LogRecord[] = [];
  readonly events = new EventEmitter();
  seq = 0;

  constructor() {
    this.events.setMaxListeners(0);
  }

  clear(): void {
    this.statuses.clear();
    this.history.clear();
    this.outcomes.clear();
    this.invocations.clear();
    this.runners.clear();
    this.leases.clear();
    this.queue.length = 0;
    this.logs.length = 0;
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
