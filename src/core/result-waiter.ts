import type { Orchestrator, StatusRecord } from "../backends/contract.js";
import { isFinal } from "./status.js";

interface Waiter {
  id: string;
  resolve: (rec: StatusRecord) => void;
  reject: (err: unknown) => void;
}

/**
 * Waits for invocations to reach a final status. One loop per app checks every waited id
 * in one query, then sleeps until the backend signals a change (or a short poll interval on
 * backends without push wake-ups).
 */
export class ResultWaiter {
  private readonly waiters = new Set<Waiter>();
  private running = false;

  constructor(private readonly orchestrator: Orchestrator) {}

  wait(id: string): { promise: Promise<StatusRecord>; cancel: () => void } {
    let waiter!: Waiter;
    const promise = new Promise<StatusRecord>((resolve, reject) => {
      waiter = { id, resolve, reject };
    });
    this.waiters.add(waiter);
    if (!this.running) void this.loop();
    return { promise, cancel: () => this.waiters.delete(waiter) };
  }

  private async loop(): Promise<void> {
    this.running = true;
    let idle = 5;
    try {
      while (this.waiters.size > 0) {
        const ids = [...new Set([...this.waiters].map((w) => w.id))];
        let statuses: Map<string, StatusRecord>;
        try {
          statuses = await this.orchestrator.getStatuses(ids);
        } catch (err) {
          for (const w of this.waiters) w.reject(err);
          this.waiters.clear();
          break;
        }
        let progressed = false;
        for (const w of [...this.waiters]) {
          const rec = statuses.get(w.id);
          if (rec && isFinal(rec.status)) {
            this.waiters.delete(w);
            w.resolve(rec);
            progressed = true;
          }
        }
        if (this.waiters.size === 0) break;
        idle = progressed ? 5 : Math.min(idle * 2, 250);
        const timeout = this.orchestrator.capabilities.pushWakeups ? 500 : idle;
        await this.orchestrator.waitForChange(ids, timeout);
      }
    } finally {
      this.running = false;
    }
  }
}
