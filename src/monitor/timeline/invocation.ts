import type { HistoryEntry } from "../../core/contract/index.js";
import { OWNED_STATUSES, STATUS_TABLE, type Status } from "../../core/status.js";
import type { Bar, InvocationShapes } from "./types.js";

const isOwned = (s: Status) => OWNED_STATUSES.includes(s);
const isOverride = (s: Status) => STATUS_TABLE[s].onEnter === "override";

/** Turn one invocation's history rows into bars (one per run on a lane), recovery arrows and markers. */
export function buildInvocation(rows: HistoryEntry[], taskId: string, from: number, until: number): InvocationShapes {
  const out: InvocationShapes = { bars: [], arrows: [], markers: [] };
  let bar: Bar | null = null;
  let pendingRecovery: { fromLane: string; at: number; by: string | null } | null = null;
  const first = rows[0];
  // Clipped at the start: the first row in range closes a run whose start we do not see.
  if (first && first.seq > 1 && !isOwned(first.status) && first.actorId) {
    out.bars.push({
      invocationId: first.invocationId,
      taskId,
      lane: first.actorId,
      row: 0,
      start: from,
      end: first.at,
      status: first.status,
      open: false,
      statuses: [first.status],
    });
  }
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const next = rows[i + 1];
    if (bar && (!isOwned(r.status) || r.ownerId !== bar.lane)) {
      bar.end = r.at;
      bar.status = r.status;
      bar.open = false;
      bar.statuses.push(r.status);
      out.bars.push(bar);
      if (isOverride(r.status)) {
        if (r.status === "CANCELLING") {
          out.markers.push({ lane: bar.lane, at: r.at, kind: "cancelled", invocationId: r.invocationId });
        } else {
          pendingRecovery = { fromLane: bar.lane, at: r.at, by: r.actorId };
          if (r.actorId)
            out.markers.push({ lane: r.actorId, at: r.at, kind: "recovered", invocationId: r.invocationId });
        }
      }
      bar = null;
    }
    if (isOwned(r.status) && r.ownerId) {
      if (!bar) {
        bar = {
          invocationId: r.invocationId,
          taskId,
          lane: r.ownerId,
          row: 0,
          start: Math.max(r.at, from),
          end: r.at,
          status: r.status,
          open: true,
          statuses: [],
        };
        if (pendingRecovery) {
          out.arrows.push({
            invocationId: r.invocationId,
            taskId,
            fromLane: pendingRecovery.fromLane,
            toLane: r.ownerId,
            at: pendingRecovery.at,
            arrivedAt: r.at,
            recoveredBy: pendingRecovery.by,
          });
          pendingRecovery = null;
        }
      }
      bar.status = r.status;
      bar.statuses.push(r.status);
      bar.end = next ? next.at : until;
    }
  }
  if (bar) out.bars.push(bar);
  return out;
}
