import type { Hono } from "hono";
import { intParam, type MonitorContext, renderPage } from "../context.js";
import { fmtTime, shortId } from "../format.js";
import { html } from "../html.js";
import { invLink, pager, section, statusBadge, table } from "../views/parts.js";

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
    const types = new Map<string, number>();
    for (const r of shown) types.set(r.taskId, (types.get(r.taskId) ?? 0) + 1);
    const runRows = shown.map((r, i) => {
      const s = statuses.get(r.id);
      const n = (subs[i]?.length ?? 1) - 1;
      return [
        html`<a href="/invocations?workflow=${encodeURIComponent(r.workflowId)}">${shortId(r.workflowId)}</a>`,
        r.taskId,
        invLink(r.id, shortId(r.id)),
        s ? statusBadge(s.status) : "—",
        n >= SUB_LIMIT - 1 ? `${n}+` : n,
        fmtTime(r.createdAt),
        html`<a href="/timeline?workflow=${encodeURIComponent(r.workflowId)}&range=1d">timeline</a>`,
      ];
    });
    const params = new URLSearchParams(Object.entries(q).filter(([k, v]) => k !== "page" && v !== ""));
    const body = html`<h1>Workflows</h1>
      ${section(
        "Types (on this page)",
        table(
          ["root task", "runs"],
          [...types].map(([t, n]) => [html`<a href="/workflows?task=${encodeURIComponent(t)}">${t}</a>`, n]),
          "No workflow yet.",
        ),
      )}
      ${section(
        "Runs",
        table(["workflow", "type", "root invocation", "status", "sub-invocations", "started", ""], runRows, "No run."),
      )}
      ${pager("/workflows", params, page, roots.length > RUNS_PER_PAGE)}`;
    return renderPage(c, { title: "Workflows", path: "/workflows", body });
  });
}
