import type { Hono } from "hono";
import type { Components, HistoryEntry } from "../../core/contract/index.js";
import { isFinal, STATUSES, type Status } from "../../core/status.js";
import { type MonitorContext, renderPage } from "../context.js";
import { fmtDuration } from "../format.js";
import { html } from "../html.js";
import { section, statusBadge, table } from "../views/parts.js";

const WINDOW = 3_600_000;

export interface Durations {
  count: number;
  mean: number;
  p50: number;
  max: number;
}

/** Run durations (first RUNNING to final) of invocations finished in `rows`, by task. */
export async function durationsByTask(c: Components, rows: readonly HistoryEntry[]): Promise<Map<string, Durations>> {
  const start = new Map<string, number>();
  const ends = new Map<string, number>();
  for (const r of rows) {
    if (r.status === "RUNNING" && !start.has(r.invocationId)) start.set(r.invocationId, r.at);
    if (isFinal(r.status)) ends.set(r.invocationId, r.at);
  }
  const ids = [...ends.keys()].filter((id) => start.has(id));
  const recs = await c.orchestrator.getStatuses(ids);
  const lists = new Map<string, number[]>();
  for (const id of ids) {
    const task = recs.get(id)?.taskId ?? "?";
    const list = lists.get(task) ?? [];
    list.push(ends.get(id)! - start.get(id)!);
    lists.set(task, list);
  }
  const out = new Map<string, Durations>();
  for (const [task, list] of lists) {
    list.sort((a, b) => a - b);
    out.set(task, {
      count: list.length,
      mean: list.reduce((a, b) => a + b, 0) / list.length,
      p50: list[Math.floor(list.length / 2)] ?? 0,
      max: list.at(-1) ?? 0,
    });
  }
  return out;
}

export function registerTasks(app: Hono, ctx: MonitorContext): void {
  app.get("/tasks", async (c) => {
    const comps = await ctx.components();
    const now = Date.now();
    const [counts, rows] = await Promise.all([
      comps.orchestrator.countByStatus(),
      ctx.history.between(now - WINDOW, now + 1, 200_000).then((r) => r.rows),
    ]);
    const durations = await durationsByTask(comps, rows);
    const byTask = new Map<string, Map<Status, number>>();
    for (const k of counts) {
      const m = byTask.get(k.taskId) ?? new Map<Status, number>();
      m.set(k.status, k.count);
      byTask.set(k.taskId, m);
    }
    const ids = [...new Set([...ctx.app.taskIds, ...byTask.keys()])].sort();
    const rowsOut = ids.map((id) => {
      const m = byTask.get(id) ?? new Map<Status, number>();
      const total = [...m.values()].reduce((a, b) => a + b, 0);
      const d = durations.get(id);
      let options: string;
      try {
        const o = ctx.app.getTask(id).options;
        options = `maxRetries ${o.maxRetries}${o.retryFor.length ? `, retryFor ${o.retryFor.map((cls) => cls.name).join(", ")}` : ""}`;
      } catch {
        options = "not registered in the monitor's app";
      }
      return [
        html`<a id="${id}" href="/invocations?task=${encodeURIComponent(id)}">${id}</a>`,
        total,
        html`${STATUSES.filter((s) => m.has(s)).map(
          (s) =>
            html`<a href="/invocations?task=${encodeURIComponent(id)}&status=${s}">${statusBadge(s)} ${m.get(s)}</a> `,
        )}`,
        d ? `${d.count} · mean ${fmtDuration(d.mean)} · p50 ${fmtDuration(d.p50)} · max ${fmtDuration(d.max)}` : "—",
        options,
      ];
    });
    const body = html`<h1>Tasks</h1>${section(
      "Tasks",
      table(["task", "invocations", "by status", "durations (finished, last hour)", "options"], rowsOut, "No task."),
    )}`;
    return renderPage(c, { title: "Tasks", path: "/tasks", body });
  });
}
