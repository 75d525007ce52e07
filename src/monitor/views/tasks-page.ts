import { STATUSES, type Status } from "../../core/status.js";
import type { ResolvedTaskOptions } from "../../core/task.js";
import { fmtDuration } from "../format.js";
import { type Html, html } from "../html.js";
import type { Durations } from "../task-durations.js";
import { section, statusBadge, table } from "./parts.js";

export interface TaskSummary {
  id: string;
  /** Invocations of the task by status. */
  counts: Map<Status, number>;
  /** Of the runs finished in the last hour, if any. */
  durations: Durations | undefined;
  /** Null when the monitor's app does not register the task. */
  options: ResolvedTaskOptions | null;
}

function optionsText(o: ResolvedTaskOptions | null): string {
  if (!o) return "not registered in the monitor's app";
  return `maxRetries ${o.maxRetries}${o.retryFor.length ? `, retryFor ${o.retryFor.map((cls) => cls.name).join(", ")}` : ""}`;
}

export function tasksPage(tasks: readonly TaskSummary[]): Html {
  const rowsOut = tasks.map(({ id, counts: m, durations: d, options }) => {
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    return [
      html`<a id="${id}" href="/invocations?task=${encodeURIComponent(id)}">${id}</a>`,
      total,
      html`${STATUSES.filter((s) => m.has(s)).map(
        (s) =>
          html`<a href="/invocations?task=${encodeURIComponent(id)}&status=${s}">${statusBadge(s)} ${m.get(s)}</a> `,
      )}`,
      d ? `${d.count} · mean ${fmtDuration(d.mean)} · p50 ${fmtDuration(d.p50)} · max ${fmtDuration(d.max)}` : "—",
      optionsText(options),
    ];
  });
  return html`<h1>Tasks</h1>${section(
    "Tasks",
    table(["task", "invocations", "by status", "durations (finished, last hour)", "options"], rowsOut, "No task."),
  )}`;
}
