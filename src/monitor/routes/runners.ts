import type { Hono } from "hono";
import { OWNED_STATUSES } from "../../core/status.js";
import { type MonitorContext, renderPage } from "../context.js";
import { orderRunners } from "../runner-state.js";
import { runnersPage } from "../views/runners-page.js";

const RUNS_NOW_LIMIT = 20;

export function registerRunners(app: Hono, ctx: MonitorContext): void {
  app.get("/runners", async (c) => {
    const comps = await ctx.components();
    const deadAfterMs = await ctx.deadAfterMs();
    const now = Date.now();
    const runners = orderRunners(await comps.orchestrator.runners());
    const owned = await Promise.all(
      runners.map((r) =>
        r.stoppedAt === null
          ? comps.orchestrator.find({ ownerId: r.id, statuses: OWNED_STATUSES, limit: RUNS_NOW_LIMIT })
          : Promise.resolve([]),
      ),
    );
    const body = runnersPage({ runners, owned, deadAfterMs, now });
    return renderPage(c, { title: "Runners", path: "/runners", body });
  });
}
