import type { Hono } from "hono";
import type { Components, StatusRecord } from "../../core/contract/index.js";
import { isStatus, STATUSES } from "../../core/status.js";
import { intParam, type MonitorContext, renderPage } from "../context.js";
import { fmtTime, shortId } from "../format.js";
import { html } from "../html.js";
import { invLink, pager, select, statusBadge, table } from "../views/parts.js";

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
    const rows = shown.map((r) => {
      const d = data.get(r.id);
      return [
        invLink(r.id, shortId(r.id)),
        html`<a href="/tasks#${r.taskId}">${r.taskId}</a>`,
        statusBadge(r.status),
        r.ownerId ? html`<a href="/invocations?runner=${encodeURIComponent(r.ownerId)}">${r.ownerId}</a>` : "—",
        d?.parentId ? invLink(d.parentId, shortId(d.parentId)) : "—",
        d
          ? html`<a href="/invocations?workflow=${encodeURIComponent(d.workflowId)}">${shortId(d.workflowId)}</a>`
          : "—",
        r.retries,
        fmtTime(d?.createdAt),
        fmtTime(r.updatedAt),
      ];
    });
    const statusOpts = [{ value: "", label: "any status" }, ...STATUSES.map((s) => ({ value: s, label: s }))];
    const taskOpts = [{ value: "", label: "any task" }, ...ctx.app.taskIds.map((t) => ({ value: t, label: t }))];
    const hourOpts = [
      { value: "", label: "any time" },
      ...[1, 6, 24, 168].map((h) => ({ value: String(h), label: `last ${h < 24 ? `${h} h` : `${h / 24} d`}` })),
    ];
    const params = new URLSearchParams(Object.entries(q).filter(([k, v]) => k !== "page" && v !== ""));
    const body = html`<h1>Invocations</h1>
      <form class="filters" method="get" action="/invocations">
        ${select("status", statusOpts, q.status)} ${select("task", taskOpts, q.task)}
        <input name="runner" placeholder="runner id" value="${q.runner ?? ""}">
        <input name="workflow" placeholder="workflow id" value="${q.workflow ?? ""}">
        ${select("hours", hourOpts, q.hours)}
        <button>filter</button>
      </form>
      ${table(["id", "task", "status", "owner", "parent", "workflow", "retries", "created", "updated"], rows, "No invocation matches.")}
      ${pager("/invocations", params, page, recs.length > PAGE_SIZE)}`;
    return renderPage(c, { title: "Invocations", path: "/invocations", body });
  });
}
