import type { Hono } from "hono";
import { intParam, type MonitorContext, renderPage } from "../context.js";
import { type WorkflowRun, workflowsPage } from "../views/workflows-page.js";

const RUNS_PER_PAGE = 50;
const SUB_LIMIT = 1000;

export function registerWorkflows(app: Hono, ctx: MonitorContext): void {
  app.get("/workflows", async (c) => {
    const q = c.req.query();
    const page = intParam(q.page, 1, 1, 100_000);
    const comps = await ctx.components();
    const roots = await comps.stateBackend.findInvocations({
      rootsOnly: true,
      ...(q.task ? { taskId: q.task } : {}),
      limit: RUNS_PER_PAGE + 1,
      offset: (page - 1) * RUNS_PER_PAGE,
    });
    const shown = roots.slice(0, RUNS_PER_PAGE);
    const [statuses, subs] = await Promise.all([
      comps.orchestrator.getStatuses(shown.map((r) => r.id)),
      Promise.all(shown.map((r) => comps.stateBackend.findInvocations({ workflowId: r.workflowId, limit: SUB_LIMIT }))),
    ]);
    const runs = shown.map((root, i): WorkflowRun => {
      const n = (subs[i]?.length ?? 1) - 1;
      return { root, status: statuses.get(root.id), subInvocations: n, more: n >= SUB_LIMIT - 1 };
    });
    const body = workflowsPage({ runs, page, hasNext: roots.length > RUNS_PER_PAGE, query: q });
    return renderPage(c, { title: "Workflows", path: "/workflows", body });
  });
}
