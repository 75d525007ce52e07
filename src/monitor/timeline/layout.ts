import type { HistoryEntry, RunnerRecord } from "../../core/contract/index.js";
import type { Status } from "../../core/status.js";
import { orderRunners, runnerState } from "../runner-state.js";
import { buildInvocation } from "./invocation.js";
import type { Arrow, Bar, Bucket, InvocationShapes, Lane, Marker, TimelineData, TimelineQuery } from "./types.js";

/** Bound: the timeline never draws more than this many arrows (or markers). */
export const ARROW_LIMIT = 500;
/** A lane is drawn as buckets once it holds more bars than pixels / this. */
const PX_PER_BAR = 3;
const BUCKET_PX = 3;
const MAX_ROWS = 8;

/** What the loader read for a time range; the layout turns it into lanes, bars, buckets and arrows. */
export interface TimelineInput {
  /** History rows of the range (and of invocations owned since before it), in any order. */
  rows: HistoryEntry[];
  /** True when the history read hit its bound. */
  truncated: boolean;
  /** Task id by invocation id. */
  taskIds: Map<string, string>;
  /** The invocations of the chosen workflow, or null when not filtering by workflow. */
  allowed: Set<string> | null;
  runners: readonly RunnerRecord[];
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

/** Group history rows by invocation, keeping the order in which invocations first appear. */
function byInvocation(rows: readonly HistoryEntry[]): Map<string, HistoryEntry[]> {
  const byInv = new Map<string, HistoryEntry[]>();
  for (const r of rows) {
    const list = byInv.get(r.invocationId);
    if (list) list.push(r);
    else byInv.set(r.invocationId, [r]);
  }
  return byInv;
}

/** Bars, arrows and markers of the invocations that pass the task and workflow filters. */
function shapes(input: TimelineInput, q: TimelineQuery): InvocationShapes & { invocations: number } {
  const bars: Bar[] = [];
  const arrows: Arrow[] = [];
  const markers: Marker[] = [];
  const until = Math.min(q.now, q.to);
  let invocations = 0;
  for (const [id, list] of byInvocation(input.rows)) {
    const taskId = input.taskIds.get(id) ?? "?";
    if (q.taskId && taskId !== q.taskId) continue;
    if (input.allowed && !input.allowed.has(id)) continue;
    invocations++;
    list.sort((a, b) => a.seq - b.seq);
    const built = buildInvocation(list, taskId, q.from, until);
    bars.push(...built.bars);
    arrows.push(...built.arrows);
    markers.push(...built.markers);
  }
  return { bars, arrows, markers, invocations };
}

/** Lanes: runners alive during the range, and any owner seen in the bars, arrows or markers. */
function lanesOf(runnerRecords: readonly RunnerRecord[], s: InvocationShapes, q: TimelineQuery): Lane[] {
  const { bars, arrows, markers } = s;
  const runners = orderRunners(runnerRecords);
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
  return lanes;
}

/** Per lane: stack bars into rows, or aggregate when they would be thinner than a pixel. */
function fit(lanes: Lane[], bars: Bar[], q: TimelineQuery): { bars: Bar[]; buckets: Bucket[] } {
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
  return { bars: kept, buckets };
}

/** Everything the timeline draws for a time range: lanes, bars (or buckets), recovery arrows. */
export function layoutTimeline(input: TimelineInput, q: TimelineQuery): TimelineData {
  const { arrows, markers, invocations, ...shaped } = shapes(input, q);
  const lanes = lanesOf(input.runners, { bars: shaped.bars, arrows, markers }, q);
  const { bars, buckets } = fit(lanes, shaped.bars, q);
  return {
    from: q.from,
    to: q.to,
    lanes,
    bars,
    buckets,
    arrows: arrows.slice(0, ARROW_LIMIT),
    markers: markers.slice(0, ARROW_LIMIT),
    invocations,
    truncated: input.truncated || arrows.length > ARROW_LIMIT,
  };
}
