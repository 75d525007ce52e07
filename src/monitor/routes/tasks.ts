import type { Hono } from "hono";
import { scopesAtLimit } from "../../concurrency/scopes.js";
import type { Status } from "../../core/status.js";
import type { ResolvedTaskOptions } from "../../core/task.js";
import { type MonitorContext, renderPage } from "../context.js";
import { durationsByTask } from "../task-durations.js";
import { type TaskSummary, tasksPage } from "../views/tasks-page.js";

const WINDOW = 3_600_000;

export function registerTasks(app: Hono, ctx: MonitorContext): void {
  /** The task's options, or null when the monitor's app does not register it. */
  const optionsOf = (id: string): ResolvedTaskOptions | null => {
    try {
      return ctx.app.getTask(id).options;
    } catch {
      return null;
    }
  };

  app.get("/tasks", async (c) => {
    const comps = await ctx.components();
    const now = Date.now();
    const [counts, rows, limited] = await Promise.all([
      comps.orchestrator.countByStatus(),
      ctx.history.between(now - WINDOW, now + 1, 200_000).then((r) => r.rows),
      scopesAtLimit(comps.orchestrator),
    ]);
    const durations = await durationsByTask(comps, rows);
    const byTask = new Map<string, Map<Status, number>>();
    for (const k of counts) {
      const m = byTask.get(k.taskId) ?? new Map<Status, number>();
      m.set(k.status, k.count);
      byTask.set(k.taskId, m);
    }
    const ids = [...new Set([...ctx.app.taskIds, ...byTask.keys(), ...limited.keys()])].sort();
    const tasks = ids.map(
      (id): TaskSummary => ({
        id,
        counts: byTask.get(id) ?? new Map<Status, number>(),
        durations: durations.get(id),
        options: optionsOf(id),
        atLimit: limited.get(id) ?? [],
      }),
    );
    return renderPage(c, { title: "Tasks", path: "/tasks", body: tasksPage(tasks) });
  });
}
