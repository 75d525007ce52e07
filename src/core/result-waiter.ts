import { CorruptRecordError } from "../errors/index.js";
import type { Orchestrator, SettledRecord, StatusRecord } from "./contract/index.js";
import { sleepOr } from "./sleep.js";
import { FINAL_STATUSES, isFinal } from "./status.js";

/** What a waiter learns: the final status and, when the read or announcement carried it, the outcome. */
export interface FinalState {
  record: Pick<StatusRecord, "id" | "status">;
  outcome?: SettledRecord["outcome"];
}

interface Waiter {
  id: string;
  resolve: (rec: FinalState) => void;
  reject: (err: unknown) => void;
}

/** Above this many waited ids, each turn asks only for what became final since the last turn. */
const FULL_CHECK_LIMIT = 200;
/** Even then, every waited id is checked this often (guards against clock skew between writers). */
const FULL_CHECK_EVERY_MS = 2000;
/**
 * Overlap of incremental windows: commits may land out of timestamp order (a transaction
 * stamped before a slower one commits). What lands later than that is caught by the full check.
 */
const WINDOW_SLACK_MS = 250;
/** With many waiters, incremental turns are at least this far apart (each reads what finished in the window). */
const INCREMENTAL_TURN_MS = 10;

/**
 * Waits for invocations to reach a final status. One loop per app serves every waiter: it
 * checks the waited ids in one query (or, with many waiters, only the invocations that became
 * final since the last turn), then sleeps until the backend signals a change (or a short poll
 * interval on backends without push wake-ups).
 */
export class ResultWaiter {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private running = false;
  /** Ends the loop's current wait: a waiter joined, whose invocation is read at once. */
  private kick: (() => void) | null = null;
  /**
   * The next turn reads the waited ids: a waiter joined that the change feed could not vouch
   * for (heardFinal), or a change came that may have made one final. Else the loop only waits.
   */
  private readNeeded = false;

  constructor(private readonly orchestrator: Orchestrator) {}

  /**
   * Resolves with the final record, and its outcome when the read that saw it final carried it
   * (with few waiters, each turn reads statuses and final outcomes together).
   */
  wait(id: string): { promise: Promise<FinalState>; cancel: () => void } {
    // What this process was told of it since it registered it (ChangeFeed.heardFinal).
    const heard = this.orchestrator.heardFinal(id);
    if (heard !== null && heard !== "pending") {
      const { outcome, ...record } = heard;
      return { promise: Promise.resolve(outcome ? { record, outcome } : { record }), cancel: () => {} };
    }
    let waiter!: Waiter;
    const promise = new Promise<FinalState>((resolve, reject) => {
      waiter = { id, resolve, reject };
    });
    const set = this.waiters.get(id) ?? new Set<Waiter>();
    set.add(waiter);
    this.waiters.set(id, set);
    // "pending": it has not become final unheard, and the loop hears when it does. A new loop
    // reads only for this waiter (a change its predecessor saw concerned waiters now gone).
    if (!this.running) {
      this.readNeeded = heard === null;
      void this.loop();
    } else if (heard === null) {
      this.readNeeded = true;
      this.kick?.();
    }
    return {
      promise,
      cancel: () => {
        set.delete(waiter);
        if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
      },
    };
  }

  private settle(settled: FinalState): boolean {
    const rec = settled.record;
    const set = this.waiters.get(rec.id);
    if (!set || !isFinal(rec.status)) return false;
    this.waiters.delete(rec.id);
    for (const w of set) w.resolve(settled);
    return true;
  }

  private async check(
    since: number | null,
    lastFull: number,
  ): Promise<{ progressed: boolean; since: number; full: boolean }> {
    const full = this.waiters.size <= FULL_CHECK_LIMIT || since === null || Date.now() - lastFull > FULL_CHECK_EVERY_MS;
    const records: SettledRecord[] = full
      ? [...(await this.orchestrator.getSettled([...this.waiters.keys()])).values()]
      : (await this.orchestrator.find({ statuses: FINAL_STATUSES, updatedAfter: since - WINDOW_SLACK_MS })).map(
          (record) => ({ record }),
        );
    let progressed = false;
    let newest = since ?? 0;
    for (const s of records) {
      if (this.settle(s)) progressed = true;
      if (isFinal(s.record.status)) newest = Math.max(newest, s.record.updatedAt);
    }
    return { progressed, since: newest || Date.now(), full };
  }

  private async loop(): Promise<void> {
    this.running = true;
    // Engines that announce final statuses with their outcomes settle waiters without a read.
    const unsubscribe = this.orchestrator.onSettled(({ id, status, outcome }) => {
      this.settle({ record: { id, status }, outcome });
    });
    let idle = 5;
    let since: number | null = null;
    let lastFull = 0;
    let retryDelay = 100;
    const push = this.orchestrator.capabilities.pushWakeups;
    // One wait for a change at a time, kept across turns a joining waiter ends: armed before the
    // check, so a change that lands while the check reads is not missed. Only changes that may
    // have made an invocation final wake it (not every claim and start of the app).
    let changed: Promise<void> | null = null;
    try {
      while (this.waiters.size > 0) {
        if (push && !changed) {
          changed = this.orchestrator.waitForChange([], 500, { finalOnly: true }).finally(() => {
            changed = null;
            // A change (or the wait's timeout): the waited ids are read again.
            this.readNeeded = true;
          });
        }
        const kicked = new Promise<void>((resolve) => {
          this.kick = resolve;
        });
        if (push && !this.readNeeded) {
          // Every waiter is vouched for and nothing changed since the last read: wait.
          await Promise.race([changed ?? undefined, kicked]);
          continue;
        }
        this.readNeeded = false;
        let turn: Awaited<ReturnType<ResultWaiter["check"]>>;
        try {
          turn = await this.check(since, lastFull);
          retryDelay = 100;
        } catch (err) {
          if (err instanceof CorruptRecordError) {
            for (const set of this.waiters.values()) for (const w of set) w.reject(err);
            this.waiters.clear();
            break;
          }
          // The backend is unreachable: keep waiting (callers bound the wait with timeoutMs).
          this.readNeeded = true;
          await new Promise((r) => setTimeout(r, retryDelay));
          retryDelay = Math.min(retryDelay * 2, 5000);
          continue;
        }
        since = turn.since;
        if (turn.full) lastFull = Date.now();
        if (this.waiters.size === 0) break;
        idle = turn.progressed ? 5 : Math.min(idle * 2, 250);
        if (!push) {
          await sleepOr(kicked, idle);
          continue;
        }
        if (!turn.full) await new Promise((r) => setTimeout(r, INCREMENTAL_TURN_MS));
        // Null: a change came while the check read (its wait ended): check again at once.
        if (changed) await Promise.race([changed, kicked]);
      }
    } finally {
      unsubscribe?.();
      this.kick = null;
      this.running = false;
    }
  }
}
