import type { HistoryEntry, Orchestrator } from "../core/contract/index.js";

/** Rows read per backend call; bounded like every monitor query. */
const READ_LIMIT = 100_000;
/** Rows kept in memory at most; the oldest go first. */
const MAX_ROWS = 1_000_000;
/** Re-read this much of the covered tail each refresh: rows stamped by other processes' clocks may land late. */
const OVERLAP_MS = 3000;
const MAX_TASK_IDS = 1_000_000;
/** Rows older than the widest timeline range (a week) and a margin are dropped. */
const KEEP_MS = 8 * 86_400_000;

function firstAtOrAfter(rows: readonly HistoryEntry[], at: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The history rows the timeline and dashboard read, kept in memory between requests: each
 * refresh reads only the rows written since the last one (plus a short overlap), so live
 * updates of a busy range cost little. Ranges older than what is cached are read directly.
 */
export class HistoryCache {
  private rows: HistoryEntry[] = [];
  private coveredFrom = Number.POSITIVE_INFINITY;
  private coveredTo = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | null = null;
  private readonly taskIdOf = new Map<string, string>();

  constructor(private readonly orchestrator: () => Promise<Orchestrator>) {}

  /** History rows with from <= at < to, oldest first; `truncated` when a bound cut them. */
  async between(from: number, to: number, limit: number): Promise<{ rows: HistoryEntry[]; truncated: boolean }> {
    const now = Date.now();
    if (this.coveredFrom === Number.POSITIVE_INFINITY || from < this.coveredFrom) {
      const o = await this.orchestrator();
      if (this.coveredFrom === Number.POSITIVE_INFINITY) {
        // First use: cover [from, now] and keep it.
        const rows = await o.historyBetween(from, now + 1, Math.min(limit, READ_LIMIT * 3));
        const truncated = rows.length >= Math.min(limit, READ_LIMIT * 3);
        if (!truncated) {
          this.rows = rows;
          this.coveredFrom = from;
          this.coveredTo = now + 1;
        }
        if (truncated || to <= now) return this.slice(rows, from, to, limit, truncated);
        return this.slice(this.rows, from, to, limit, false);
      }
      // Older than the cache: extend it backwards when that stays within bounds, else read directly.
      const older = await o.historyBetween(from, this.coveredFrom, Math.min(limit, READ_LIMIT * 3));
      if (older.length >= Math.min(limit, READ_LIMIT * 3) || this.rows.length + older.length > MAX_ROWS) {
        const rows = await o.historyBetween(from, to, limit);
        return { rows, truncated: rows.length >= limit };
      }
      this.rows = older.concat(this.rows);
      this.coveredFrom = from;
    }
    if (to > this.coveredTo) await this.refresh();
    return this.slice(this.rows, from, to, limit, false);
  }

  private slice(rows: HistoryEntry[], from: number, to: number, limit: number, truncated: boolean) {
    const start = firstAtOrAfter(rows, from);
    const end = firstAtOrAfter(rows, to);
    const out = rows.slice(start, Math.min(end, start + limit));
    return { rows: out, truncated: truncated || end - start > limit };
  }

  /** Read what was written since the last refresh (one refresh at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.readTail().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async readTail(): Promise<void> {
    const o = await this.orchestrator();
    const now = Date.now();
    const since = Math.max(this.coveredFrom, this.coveredTo - OVERLAP_MS);
    const fresh: HistoryEntry[] = [];
    let cursor = since;
    let complete = false;
    for (let i = 0; i < 10 && !complete; i++) {
      const part = await o.historyBetween(cursor, now + 1, READ_LIMIT);
      fresh.push(...part);
      complete = part.length < READ_LIMIT;
      if (complete) break;
      // Rows sharing the last timestamp are read again next turn; drop them here.
      const last = part.at(-1)!.at;
      while (fresh.length && fresh.at(-1)!.at === last) fresh.pop();
      cursor = last;
    }
    this.rows.splice(firstAtOrAfter(this.rows, since));
    for (const r of fresh) this.rows.push(r);
    this.coveredTo = complete ? now + 1 : cursor;
    if (this.rows.length > MAX_ROWS || this.coveredFrom < now - KEEP_MS) {
      const drop = Math.max(0, this.rows.length - MAX_ROWS);
      this.coveredFrom = Math.max(this.rows[drop]?.at ?? now, now - KEEP_MS);
      this.rows.splice(0, firstAtOrAfter(this.rows, this.coveredFrom));
    }
  }

  /** Task id of each invocation (it never changes, so it is kept once read). */
  async taskIds(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const id of ids) {
      const t = this.taskIdOf.get(id);
      if (t === undefined) missing.push(id);
      else out.set(id, t);
    }
    const o = await this.orchestrator();
    for (let i = 0; i < missing.length; i += 5000) {
      for (const [id, rec] of await o.getStatuses(missing.slice(i, i + 5000))) {
        out.set(id, rec.taskId);
        if (this.taskIdOf.size < MAX_TASK_IDS) this.taskIdOf.set(id, rec.taskId);
      }
    }
    return out;
  }
}
