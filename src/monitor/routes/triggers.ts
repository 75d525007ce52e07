import type { Hono } from "hono";
import { appServices } from "../../app.js";
import type { InvocationData } from "../../core/contract/index.js";
import { decode } from "../../core/serialization.js";
import { EVENT_TASK_ID } from "../../triggers/events.js";
import { type MonitorContext, renderPage } from "../context.js";
import { type TriggerRow, triggersPage } from "../views/triggers-page.js";

/** Invocations read per triggered task to find what each trigger started. */
const SCAN_LIMIT = 500;
const STARTED_LIMIT = 10;

export function registerTriggers(app: Hono, ctx: MonitorContext): void {
  app.get("/triggers", async (c) => {
    const comps = await ctx.components();
    const triggers = appServices(ctx.app).triggers().all();
    const taskIds = [...new Set(triggers.map((t) => t.taskId))];
    const byTask = new Map<string, InvocationData[]>();
    await Promise.all(
      taskIds.map(async (taskId) => {
        byTask.set(taskId, await comps.stateBackend.findInvocations({ taskId, limit: SCAN_LIMIT }));
      }),
    );
    const events = ctx.app.taskIds.includes(EVENT_TASK_ID)
      ? await comps.stateBackend.findInvocations({ taskId: EVENT_TASK_ID, limit: 20 })
      : [];
    const started = triggers.map((t) =>
      (byTask.get(t.taskId) ?? []).filter((d) => d.origin?.trigger === t.id).slice(0, STARTED_LIMIT),
    );
    const statuses = await comps.orchestrator.getStatuses([
      ...started.flat().map((d) => d.id),
      ...events.map((e) => e.id),
    ]);
    const rows: TriggerRow[] = triggers.map((trigger, i) => ({ trigger, started: started[i] ?? [] }));
    const eventRows = events.map((e) => ({ data: e, name: eventName(e), status: statuses.get(e.id) }));
    const body = triggersPage({ rows, events: eventRows, statuses });
    return renderPage(c, { title: "Triggers", path: "/triggers", body });
  });
}

function eventName(e: InvocationData): string {
  try {
    const args = decode(e.args);
    return Array.isArray(args) && typeof args[0] === "string" ? args[0] : "?";
  } catch {
    return "?";
  }
}
