import type { Status } from "../../core/status.js";
import type { RunnerState } from "../runner-state.js";

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

/** What one invocation's history draws: a bar per run on a lane, recovery arrows, markers. */
export interface InvocationShapes {
  bars: Bar[];
  arrows: Arrow[];
  markers: Marker[];
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
