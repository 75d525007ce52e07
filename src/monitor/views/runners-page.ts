import type { RunnerRecord, StatusRecord } from "../../core/contract/index.js";
import { fmtDuration, fmtTime, shortId } from "../format.js";
import { type Html, html } from "../html.js";
import { type RunnerState, runnerState } from "../runner-state.js";
import { invLink, section, table } from "./parts.js";

export interface RunnersPageData {
  /** In display order (parents before their children). */
  runners: readonly RunnerRecord[];
  /** What each runner (same index) owns now; empty for a stopped runner. */
  owned: readonly (readonly StatusRecord[])[];
  deadAfterMs: number;
  now: number;
}

/** The state, and for a draining runner its deadline (when what still runs is handed back). */
function stateCell(r: RunnerRecord, state: RunnerState, now: number): Html {
  const badge = html`<span class="state state-${state}" data-runner-state="${state}">${state}</span>`;
  if (state === "dead") {
    const how = r.deadNote ?? "heartbeat expired";
    return html`${badge} <span class="dead-note" data-dead-note="${how}">${how}</span>`;
  }
  if (state !== "stopping" || r.stoppingUntil === null) return badge;
  const left = r.stoppingUntil - now;
  return html`${badge} <span class="stopping-until" data-stopping-until="${r.stoppingUntil}">until ${fmtTime(r.stoppingUntil)} (${left > 0 ? `in ${fmtDuration(left)}` : "handing back"})</span>`;
}

export function runnersPage({ runners, owned, deadAfterMs: deadAfter, now }: RunnersPageData): Html {
  const rows = runners.map((r, i) => {
    const state = runnerState(r, deadAfter, now);
    const mine = owned[i] ?? [];
    return [
      html`<a id="${r.id}" href="/invocations?runner=${encodeURIComponent(r.id)}">${r.id}</a>`,
      r.kind,
      r.host,
      r.pid,
      r.parentId ?? "—",
      fmtTime(r.startedAt),
      fmtTime(r.lastHeartbeat),
      fmtDuration(now - r.lastHeartbeat),
      stateCell(r, state, now),
      mine.length ? html`${mine.map((m) => html`${invLink(m.id, `${m.taskId} ${shortId(m.id)}`)} `)}` : "—",
    ];
  });
  return html`<h1>Runners</h1>
      <p class="hint">dead: its process is gone (same host: its pid; Redis/PostgreSQL: its session closed), or no heartbeat for over ${fmtDuration(deadAfter)} (runnerConsideredDeadAfterMinutes); stopping: draining after SIGTERM/SIGINT, still beating; what still runs at its deadline is handed back</p>
      ${section(
        "Runners and workers",
        table(
          ["id", "kind", "host", "pid", "parent", "started", "last heartbeat", "heartbeat age", "state", "runs now"],
          rows,
          "No runner has started yet.",
        ),
      )}`;
}
