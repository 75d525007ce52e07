import type { Status } from "../core/status.js";
import { STATUS_TABLE } from "../core/status.js";

/** One colour per status; the record type makes a new status in the table a compile error here. */
export const STATUS_COLORS: { readonly [S in Status]: string } = {
  REGISTERED: "#9aa5b1",
  PENDING: "#7fb3d5",
  RUNNING: "#2e86de",
  PAUSED: "#a29bfe",
  RESUMED: "#6c5ce7",
  RETRY: "#f6b93b",
  WAITING: "#82ccdd",
  SUCCESS: "#27ae60",
  FAILED: "#e74c3c",
  KILLED: "#636e72",
  REROUTED: "#b2bec3",
  CONCURRENCY_CONTROLLED: "#c7a27c",
  CONCURRENCY_CONTROLLED_FINAL: "#8e6e53",
  PENDING_RECOVERY: "#e17055",
  RUNNING_RECOVERY: "#e67e22",
  CANCELLING: "#c0392b",
};

export function statusColor(s: Status): string {
  return STATUS_COLORS[s];
}

export function statusDoc(s: Status): string {
  return STATUS_TABLE[s].doc;
}

export function fmtTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

export { shortId } from "../core/ids.js";
