import type { Hono } from "hono";
import { type MonitorContext, renderPage } from "../context.js";
import { runnerState } from "../runner-state.js";
import { dashboardPage, HOUR } from "../views/dashboard-page.js";

export function registerDashboard(app: Hono, ctx: MonitorContext): void {
  app.get("/", async (c) => {
    const comps = await ctx.components();
    const now = Date.now();
    const [counts, runners, depth, resolved, lastHour, deadAfterMs] = await Promise.all([
      comps.orchestrator.countByStatus(),
      comps.orchestrator.runners(),
      comps.broker.depth(),
      ctx.app.config(),
      ctx.history.between(now - HOUR, now + 1, 200_000).then((r) => r.rows),
      ctx.deadAfterMs(),
    ]);
    const body = dashboardPage({
      counts,
      runners,
      depth,
      resolved,
      lastHour,
      deadAfterMs,
      now,
      components: {
        orchestrator: comps.orchestrator.constructor.name,
        broker: comps.broker.constructor.name,
        stateBackend: comps.stateBackend.constructor.name,
      },
      taskIds: ctx.app.taskIds,
    });
    return renderPage(c, { title: "Dashboard", path: "/", body });
  });

  app.get("/health", async (c) => {
    try {
      const comps = await ctx.components();
      const [runners, depth, deadAfter] = await Promise.all([
        comps.orchestrator.runners(),
        comps.broker.depth(),
        ctx.deadAfterMs(),
      ]);
      const now = Date.now();
      const states = runners.map((r) => runnerState(r, deadAfter, now));
      return c.json({
        status: "ok",
        appId: (await ctx.app.config()).config.appId,
        queueDepth: depth,
        runners: {
          alive: states.filter((s) => s === "alive").length,
          stopping: states.filter((s) => s === "stopping").length,
          dead: states.filter((s) => s === "dead").length,
          stopped: states.filter((s) => s === "stopped").length,
        },
        time: now,
      });
    } catch (err) {
      return c.json({ status: "error", error: (err as Error).message }, 503);
    }
  });
}
