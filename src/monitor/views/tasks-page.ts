import type { ScopeUsage } from "../../core/contract/index.js";
import { STATUSES, type Status } from "../../core/status.js";
import type { ResolvedTaskOptions } from "../../core/task.js";
import { fmtDuration } from "../format.js";
import { type Html, html } from "../html.js";
import type { Durations } from "../task-durations.js";
import { invLink, section, statusBadge, table } from "./parts.js";

export interface TaskSummary {
  id: string;
  /** Invocations of the task by status. */
  counts: Map<Status, number>;
  /** Of the runs finished in the last hour, if any. */
  durations: Durations | undefined;
  /** Null when the monitor's app does not register the task. */
  options: ResolvedTaskOptions | null;
  /** Its running-concurrency scopes at their limit, with what waits on them. */
  atLimit: readonly ScopeUsage[];
}

function optionsText(o: ResolvedTaskOptions | null): string {
  if (!o) return "not registered in the monitor's app";
  const parts = [`maxRetries ${o.maxRetries}`];
  if (o.retryFor.length) parts.push(`retryFor ${o.retryFor.map((cls) => cls.name).join(", ")}`);
  if (o.registrationConcurrency !== "DISABLED") parts.push(`registrationConcurrency ${o.registrationConcurrency}`);
  if (o.runningConcurrency !== "DISABLED") {
    parts.push(
      `runningConcurrency ${o.runningConcurrency} (limit ${o.runningConcurrencyLimit}, ${o.rerouteOnConcurrencyControl ? "rerouted" : "dropped"} when blocked)`,
    );
  }
  return parts.join(", ");
}

const invLinks = (ids: readonly string[]): Html =>
  ids.length === 0 ? html`—` : html`${ids.map((id) => html`${invLink(id, id.slice(0, 8))} `)}`;

/** Per task, the running-concurrency scopes at their limit: who holds the slots, who waits. */
function limitsSection(tasks: readonly TaskSummary[]): Html {
  const rows = tasks.flatMap(({ id, atLimit }) =>
    atLimit.map((u) => [
      html`<a href="#${id}">${id}</a>`,
      html`<code>${u.scope}</code>`,
      `${u.holders.length} / ${u.limit}`,
      invLinks(u.holders),
      html`${u.waiters.length} ${invLinks(u.waiters)}`,
    ]),
  );
  return section(
    "Concurrency limits reached",
    table(["task", "scope", "slots held", "holders", "waiting"], rows, "No running-concurrency scope is at its limit."),
  );
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
  )}${limitsSection(tasks)}`;
}
