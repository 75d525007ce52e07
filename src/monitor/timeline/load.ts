import type { Components, HistoryEntry } from "../../core/contract/index.js";
import { OWNED_STATUSES } from "../../core/status.js";
import type { HistoryCache } from "../history-cache.js";
import { layoutTimeline } from "./layout.js";
import type { TimelineData, TimelineQuery } from "./types.js";

/** Bounds: the timeline never reads more than this many history rows or ongoing invocations. */
export const HISTORY_LIMIT = 300_000;
export const ONGOING_LIMIT = 200;

async function inRangeHistory(
  c: Components,
  cache: HistoryCache,
  q: TimelineQuery,
): Promise<{ rows: HistoryEntry[]; truncated: boolean }> {
  const { rows, truncated } = await cache.between(q.from, q.to, HISTORY_LIMIT);
  // Invocations owned since before the range have no row inside it: fetch their history.
  const ongoing = await c.orchestrator.find({ statuses: OWNED_STATUSES, updatedBefore: q.from, limit: ONGOING_LIMIT });
  if (ongoing.length === 0) return { rows, truncated };
  const extra = await Promise.all(ongoing.map((r) => c.orchestrator.history(r.id)));
  const seen = new Set(rows.map((r) => r.invocationId));
  const all = [...rows];
  for (const h of extra) for (const r of h) if (!seen.has(r.invocationId) && r.at < q.to) all.push(r);
  return { rows: all, truncated };
}

/** Read what the timeline of a time range needs through the backend contract, then lay it out. */
export async function loadTimeline(c: Components, cache: HistoryCache, q: TimelineQuery): Promise<TimelineData> {
  const { rows, truncated } = await inRangeHistory(c, cache, q);
  const taskIds = await cache.taskIds([...new Set(rows.map((r) => r.invocationId))]);
  let allowed: Set<string> | null = null;
  if (q.workflowId) {
    const inWf = await c.stateBackend.findInvocations({ workflowId: q.workflowId, limit: 50_000 });
    allowed = new Set(inWf.map((d) => d.id));
  }
  const runners = await c.orchestrator.runners();
  return layoutTimeline({ rows, truncated, taskIds, allowed, runners }, q);
}
