import type { InvocationData, StatusRecord } from "../../core/contract/index.js";
import { fmtTime } from "../format.js";
import { type Html, html } from "../html.js";

/** The run-at time of an invocation still waiting for it (not claimed yet), or null. */
export function scheduledAt(rec: Pick<StatusRecord, "status">, data: InvocationData | undefined, now = Date.now()) {
  const at = data?.runAt ?? null;
  return at !== null && at > now && (rec.status === "REGISTERED" || rec.status === "REROUTED") ? at : null;
}

/** "scheduled for <time>" beside the status of an invocation waiting for its run-at time. */
export function scheduledBadge(rec: Pick<StatusRecord, "status">, data: InvocationData | undefined): Html | "" {
  const at = scheduledAt(rec, data);
  return at === null
    ? ""
    : html` <span class="badge scheduled" title="not started before its run-at time">scheduled for ${fmtTime(at)}</span>`;
}
