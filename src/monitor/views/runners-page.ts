import type { RunnerRecord, StatusRecord } from "../../core/contract/index.js";
import { fmtDuration, fmtTime, shortId } from "../format.js";
import { type Html, html } from "../html.js";
import { runnerState } from "../runner-state.js";
import { invLink, section, table } from "./parts.js";

export interface RunnersPageData {
  /** In display order (parents before their children). */
  runners: readonly RunnerRecord[];
  /** What each runner (same index) owns now; empty for a stopped runner. */
  owned: readonly (readonly StatusRecord[])[];
  deadAfterMs: number;
  now: number;
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
      html`<span class="state state-${state}" data-runner-state="${state}">${state}</span>`,
      mine.length ? html`${mine.map((m) => html`${invLink(m.id, `${m.taskId} ${shortId(m.id)}`)} `)}` : "—",
    ];
  });
  return html`<h1>Runners</h1>
      <p class="hint">dead: no heartbeat for over ${fmtDuration(deadAfter)} (runnerConsideredDeadAfterMinutes)</p>
      ${section(
        "Runners and workers",
        table(
          ["id", "kind", "host", "pid", "parent", "started", "last heartbeat", "heartbeat age", "state", "runs now"],
          rows,
          "No runner has started yet.",
        ),
      )}`;
}
