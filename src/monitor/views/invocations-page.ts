import type { InvocationData, StatusRecord } from "../../core/contract/index.js";
import { STATUSES } from "../../core/status.js";
import { fmtTime, shortId } from "../format.js";
import { type Html, html } from "../html.js";
import { invLink, pager, select, statusBadge, table } from "./parts.js";
import { scheduledBadge } from "./schedule.js";

export interface InvocationsPageData {
  /** The invocations on this page. */
  records: readonly StatusRecord[];
  data: Map<string, InvocationData>;
  page: number;
  hasNext: boolean;
  /** The page's query parameters: the filters shown in the form and kept by the pager links. */
  query: Record<string, string>;
  taskIds: readonly string[];
}

export function invocationsPage({ records, data, page, hasNext, query: q, taskIds }: InvocationsPageData): Html {
  const rows = records.map((r) => {
    const d = data.get(r.id);
    return [
      invLink(r.id, shortId(r.id)),
      html`<a href="/tasks#${r.taskId}">${r.taskId}</a>`,
      html`${statusBadge(r.status)}${scheduledBadge(r, d)}`,
      r.ownerId ? html`<a href="/invocations?runner=${encodeURIComponent(r.ownerId)}">${r.ownerId}</a>` : "—",
      d?.parentId ? invLink(d.parentId, shortId(d.parentId)) : "—",
      d ? html`<a href="/invocations?workflow=${encodeURIComponent(d.workflowId)}">${shortId(d.workflowId)}</a>` : "—",
      r.retries,
      fmtTime(d?.createdAt),
      fmtTime(r.updatedAt),
    ];
  });
  const statusOpts = [{ value: "", label: "any status" }, ...STATUSES.map((s) => ({ value: s, label: s }))];
  const taskOpts = [{ value: "", label: "any task" }, ...taskIds.map((t) => ({ value: t, label: t }))];
  const hourOpts = [
    { value: "", label: "any time" },
    ...[1, 6, 24, 168].map((h) => ({ value: String(h), label: `last ${h < 24 ? `${h} h` : `${h / 24} d`}` })),
  ];
  const params = new URLSearchParams(Object.entries(q).filter(([k, v]) => k !== "page" && v !== ""));
  return html`<h1>Invocations</h1>
      <form class="filters" method="get" action="/invocations">
        ${select("status", statusOpts, q.status)} ${select("task", taskOpts, q.task)}
        <input name="runner" placeholder="runner id" value="${q.runner ?? ""}">
        <input name="workflow" placeholder="workflow id" value="${q.workflow ?? ""}">
        ${select("hours", hourOpts, q.hours)}
        <button>filter</button>
      </form>
      ${table(["id", "task", "status", "owner", "parent", "workflow", "retries", "created", "updated"], rows, "No invocation matches.")}
      ${pager("/invocations", params, page, hasNext)}`;
}
