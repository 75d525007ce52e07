import type { Hono } from "hono";
import { intParam, type MonitorContext, renderPage } from "../context.js";
import { loadTimeline } from "../timeline/load.js";
import { parseRange } from "../timeline/range.js";
import { timelinePage } from "../views/timeline-page.js";

export function registerTimeline(app: Hono, ctx: MonitorContext): void {
  app.get("/timeline", async (c) => {
    const q = c.req.query();
    const now = Date.now();
    const { from, to } = parseRange(q, now);
    const width = intParam(q.w, 1100, 300, 4000);
    const comps = await ctx.components();
    const data = await loadTimeline(comps, ctx.history, {
      from,
      to,
      width,
      taskId: q.task || undefined,
      workflowId: q.workflow || undefined,
      now,
      deadAfterMs: await ctx.deadAfterMs(),
    });
    const body = timelinePage({ query: q, from, to, width, data, taskIds: ctx.app.taskIds });
    // Wide ranges change slowly and cost more to read: poll them less often.
    const span = to - from;
    const liveIntervalMs = span <= 3_600_000 ? 2500 : span <= 86_400_000 ? 10_000 : 30_000;
    return renderPage(c, { title: "Timeline", path: "/timeline", body, liveIntervalMs });
  });
}
