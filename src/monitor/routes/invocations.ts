import type { Hono } from "hono";
import type { Components, StatusRecord } from "../../core/contract/index.js";
import { isStatus } from "../../core/status.js";
import { intParam, type MonitorContext, renderPage } from "../context.js";
import { invocationsPage } from "../views/invocations-page.js";

export const PAGE_SIZE = 50;
/** The runner filter scans at most this many history rows of the chosen time range. */
const RUNNER_SCAN_LIMIT = 50_000;

export interface ListFilter {
  status?: string | undefined;
  task?: string | undefined;
  runner?: string | undefined;
  workflow?: string | undefined;
  /** Hours back from now (updated within), default 24 when filtering by runner. */
  hours?: number | undefined;
}

async function listRecords(c: Components, f: ListFilter, page: number): Promise<StatusRecord[]> {
  const offset = (page - 1) * PAGE_SIZE;
  const statuses = f.status && isStatus(f.status) ? [f.status] : undefined;
  const after = f.hours ? Date.now() - f.hours * 3_600_000 : undefined;
  const keep = (r: StatusRecord) =>
    (!statuses || statuses.includes(r.status)) &&
    (!f.task || r.taskId === f.task) &&
    (after === undefined || r.updatedAt >= after);
  if (f.workflow) {
    const data = await c.stateBackend.findInvocations({ workflowId: f.workflow, limit: 5000 });
    const recs = await c.orchestrator.getStatuses(data.map((d) => d.id));
    return [...recs.values()]
      .filter(keep)
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .slice(offset, offset + PAGE_SIZE + 1);
  }
  if (f.runner) {
    const now = Date.now();
    const rows = await c.orchestrator.historyBetween(now - (f.hours ?? 24) * 3_600_000, now + 1, RUNNER_SCAN_LIMIT);
    const ids = [
      ...new Set(rows.filter((r) => r.actorId === f.runner || r.ownerId === f.runner).map((r) => r.invocationId)),
    ];
    const recs = await c.orchestrator.getStatuses(ids);
    return [...recs.values()]
      .filter(keep)
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .slice(offset, offset + PAGE_SIZE + 1);
  }
  return c.orchestrator.find({
    ...(statuses ? { statuses } : {}),
    ...(f.task ? { taskId: f.task } : {}),
    ...(after !== undefined ? { updatedAfter: after } : {}),
    order: "desc",
    limit: PAGE_SIZE + 1,
    offset,
  });
}

export function registerInvocations(app: Hono, ctx: MonitorContext): void {
  app.get("/invocations", async (c) => {
    const q = c.req.query();
    const page = intParam(q.page, 1, 1, 100_000);
    const hours = q.hours ? intParam(q.hours, 24, 1, 24 * 7) : undefined;
    const filter: ListFilter = { status: q.status, task: q.task, runner: q.runner, workflow: q.workflow, hours };
    const comps = await ctx.components();
    const recs = await listRecords(comps, filter, page);
    const shown = recs.slice(0, PAGE_SIZE);
    const data = await comps.stateBackend.getInvocations(shown.map((r) => r.id));
    const body = invocationsPage({
      records: shown,
      data,
      page,
      hasNext: recs.length > PAGE_SIZE,
      query: q,
      taskIds: ctx.app.taskIds,
    });
    return renderPage(c, { title: "Invocations", path: "/invocations", body });
  });
}
