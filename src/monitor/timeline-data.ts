import type { Components, HistoryEntry, RunnerRecord } from "../core/contract/index.js";
import { OWNED_STATUSES, STATUS_TABLE, type Status } from "../core/status.js";
import type { HistoryCache } from "./history-cache.js";
import { orderRunners, type RunnerState, runnerState } from "./runner-state.js";

/** Bounds: the timeline never reads more than this many history rows or draws more than this many arrows. */
export const HISTORY_LIMIT = 300_000;
export const ONGOING_LIMIT = 200;
export const ARROW_LIMIT = 500;
/** A lane is drawn as buckets once it holds more bars than pixels / this. */
const PX_PER_BAR = 3;
const BUCKET_PX = 3;
const MAX_ROWS = 8;

export interface TimelineQuery {
  from: number;
  to: number;
  /** Drawing width of the time axis in pixels (decides aggregation). */
  width: number;
  taskId?: string | undefined;
  workflowId?: string | undefined;
  now: number;
  deadAfterMs: number;
}

export interface Lane {
  id: string;
  kind: string;
  pid: number | null;
  host: string;
  parentId: string | null;
  depth: number;
  startedAt: number | null;
  lastHeartbeat: number | null;
  stoppedAt: number | null;
  state: RunnerState | "unknown";
  /** When recovery took this runner's work (or when it became dead by its heartbeat). */
  declaredDeadAt: number | null;
  /** Sub-rows of overlapping bars. */
  rows: number;
  aggregated: boolean;
}

export interface Bar {
  invocationId: string;
  taskId: string;
  lane: string;
  row: number;
  start: number;
  end: number;
  /** The status that ended this run on the lane, or the current one while it is open. */
  status: Status;
  open: boolean;
  statuses: Status[];
}

export interface Bucket {
  lane: string;
  start: number;
  end: number;
  count: number;
  byStatus: Partial<Record<Status, number>>;
  /** The most frequent status. */
  status: Status;
}

export interface Arrow {
  invocationId: string;
  taskId: string;
  fromLane: string;
  toLane: string;
  at: number;
  arrivedAt: number;
  recoveredBy: string | null;
}

export interface Marker {
  lane: string;
  at: number;
  kind: "recovered" | "cancelled";
  invocationId: string;
}

export interface TimelineData {
  from: number;
  to: number;
  lanes: Lane[];
  bars: Bar[];
  buckets: Bucket[];
  arrows: Arrow[];
  markers: Marker[];
  invocations: number;
  /** True when a bound cut the data (history rows, arrows). */
  truncated: boolean;
}

const isOwned = (s: Status) => OWNED_STATUSES.includes(s);
const isOverride = (s: Status) => STATUS_TABLE[s].onEnter === "override";

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

interface Built {
  bars: Bar[];
  arrows: Arrow[];
  markers: Marker[];
}

/** Turn one invocation's history rows into bars (one per run on a lane), recovery arrows and markers. */
export function buildInvocation(rows: HistoryEntry[], taskId: string, from: number, until: number): Built {
  const out: Built = { bars: [], arrows: [], markers: [] };
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

/** Stack overlapping bars of one lane into rows; returns the number of rows used. */
function stack(bars: Bar[]): number {
  const rowEnds: number[] = [];
  for (const b of bars.sort((x, y) => x.start - y.start)) {
    let row = rowEnds.findIndex((end) => end <= b.start);
    if (row === -1) row = rowEnds.length < MAX_ROWS ? rowEnds.length : MAX_ROWS - 1;
    rowEnds[row] = Math.max(rowEnds[row] ?? 0, b.end);
    b.row = row;
  }
  return Math.max(1, rowEnds.length);
}

function aggregate(lane: string, bars: Bar[], q: TimelineQuery): Bucket[] {
  const span = q.to - q.from;
  const n = Math.max(1, Math.ceil(q.width / BUCKET_PX));
  const size = span / n;
  const buckets = new Map<number, Bucket>();
  for (const b of bars) {
    const i0 = Math.max(0, Math.floor((b.start - q.from) / size));
    const i1 = Math.min(n - 1, Math.floor((Math.max(b.end, b.start) - q.from) / size));
    for (let i = i0; i <= i1; i++) {
      let k = buckets.get(i);
      if (!k) {
        k = { lane, start: q.from + i * size, end: q.from + (i + 1) * size, count: 0, byStatus: {}, status: b.status };
        buckets.set(i, k);
      }
      k.count++;
      k.byStatus[b.status] = (k.byStatus[b.status] ?? 0) + 1;
    }
  }
  for (const k of buckets.values()) {
    let best = 0;
    for (const [s, c] of Object.entries(k.byStatus) as Array<[Status, number]>) {
      if (c > best) {
        best = c;
        k.status = s;
      }
    }
  }
  return [...buckets.values()].sort((a, b) => a.start - b.start);
}

function toLane(r: RunnerRecord, depth: number, q: TimelineQuery): Lane {
  return {
    id: r.id,
    kind: r.kind,
    pid: r.pid,
    host: r.host,
    parentId: r.parentId,
    depth,
    startedAt: r.startedAt,
    lastHeartbeat: r.lastHeartbeat,
    stoppedAt: r.stoppedAt,
    state: runnerState(r, q.deadAfterMs, q.now),
    declaredDeadAt: null,
    rows: 1,
    aggregated: false,
  };
}

/** Everything the timeline draws for a time range: lanes, bars (or buckets), recovery arrows. */
export async function loadTimeline(c: Components, cache: HistoryCache, q: TimelineQuery): Promise<TimelineData> {
  const { rows, truncated } = await inRangeHistory(c, cache, q);
  const byInv = new Map<string, HistoryEntry[]>();
  for (const r of rows) {
    const list = byInv.get(r.invocationId);
    if (list) list.push(r);
    else byInv.set(r.invocationId, [r]);
  }
  const tasks = await cache.taskIds([...byInv.keys()]);
  let allowed: Set<string> | null = null;
  if (q.workflowId) {
    const inWf = await c.stateBackend.findInvocations({ workflowId: q.workflowId, limit: 50_000 });
    allowed = new Set(inWf.map((d) => d.id));
  }
  const bars: Bar[] = [];
  const arrows: Arrow[] = [];
  const markers: Marker[] = [];
  const until = Math.min(q.now, q.to);
  let invocations = 0;
  for (const [id, list] of byInv) {
    const taskId = tasks.get(id) ?? "?";
    if (q.taskId && taskId !== q.taskId) continue;
    if (allowed && !allowed.has(id)) continue;
    invocations++;
    list.sort((a, b) => a.seq - b.seq);
    const built = buildInvocation(list, taskId, q.from, until);
    bars.push(...built.bars);
    arrows.push(...built.arrows);
    markers.push(...built.markers);
  }
  // Lanes: runners alive during the range, and any owner seen in the bars.
  const runners = orderRunners(await c.orchestrator.runners());
  const depthOf = new Map<string, number>();
  const lanes: Lane[] = [];
  const used = new Set([
    ...bars.map((b) => b.lane),
    ...arrows.flatMap((a) => [a.fromLane, a.toLane]),
    ...markers.map((m) => m.lane),
  ]);
  for (const r of runners) {
    const depth = r.parentId ? (depthOf.get(r.parentId) ?? 0) + 1 : 0;
    depthOf.set(r.id, depth);
    const end = r.stoppedAt ?? Math.max(r.lastHeartbeat, r.lastHeartbeat + q.deadAfterMs);
    if (used.has(r.id) || (r.startedAt < q.to && end >= q.from)) lanes.push(toLane(r, depth, q));
  }
  const known = new Set(lanes.map((l) => l.id));
  for (const id of used) {
    if (known.has(id)) continue;
    lanes.push({
      id,
      kind: "unknown",
      pid: null,
      host: "",
      parentId: null,
      depth: 0,
      startedAt: null,
      lastHeartbeat: null,
      stoppedAt: null,
      state: "unknown",
      declaredDeadAt: null,
      rows: 1,
      aggregated: false,
    });
  }
  for (const lane of lanes) {
    const recoveredAt = arrows.filter((a) => a.fromLane === lane.id).map((a) => a.at);
    if (recoveredAt.length) lane.declaredDeadAt = Math.min(...recoveredAt);
    else if (lane.state === "dead" && lane.lastHeartbeat !== null)
      lane.declaredDeadAt = lane.lastHeartbeat + q.deadAfterMs;
  }
  // Per lane: stack bars into rows, or aggregate when they would be thinner than a pixel.
  const buckets: Bucket[] = [];
  const kept: Bar[] = [];
  const msPerPx = (q.to - q.from) / q.width;
  for (const lane of lanes) {
    const mine = bars.filter((b) => b.lane === lane.id);
    const thin = mine.filter((b) => (b.end - b.start) / msPerPx < 1).length;
    if (mine.length > q.width / PX_PER_BAR || (mine.length > 200 && thin > mine.length / 2)) {
      lane.aggregated = true;
      buckets.push(...aggregate(lane.id, mine, q));
    } else {
      lane.rows = stack(mine);
      kept.push(...mine);
    }
  }
  return {
    from: q.from,
    to: q.to,
    lanes,
    bars: kept,
    buckets,
    arrows: arrows.slice(0, ARROW_LIMIT),
    markers: markers.slice(0, ARROW_LIMIT),
    invocations,
    truncated: truncated || arrows.length > ARROW_LIMIT,
  };
}
