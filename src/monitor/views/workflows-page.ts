import type { InvocationData, StatusRecord } from "../../core/contract/index.js";
import { fmtTime, shortId } from "../format.js";
import { type Html, html } from "../html.js";
import { invLink, pager, section, statusBadge, table } from "./parts.js";

export interface WorkflowRun {
  root: InvocationData;
  status: StatusRecord | undefined;
  /** Invocations of the workflow besides the root. */
  subInvocations: number;
  /** True when the count hit its bound (shown as "n+"). */
  more: boolean;
}

export interface WorkflowsPageData {
  runs: readonly WorkflowRun[];
  page: number;
  hasNext: boolean;
  /** The page's query parameters (kept by the pager links). */
  query: Record<string, string>;
}

export function workflowsPage({ runs, page, hasNext, query: q }: WorkflowsPageData): Html {
  const types = new Map<string, number>();
  for (const { root: r } of runs) types.set(r.taskId, (types.get(r.taskId) ?? 0) + 1);
  const runRows = runs.map(({ root: r, status: s, subInvocations: n, more }) => [
    html`<a href="/invocations?workflow=${encodeURIComponent(r.workflowId)}">${shortId(r.workflowId)}</a>`,
    r.taskId,
    invLink(r.id, shortId(r.id)),
    s ? statusBadge(s.status) : "—",
    more ? `${n}+` : n,
    fmtTime(r.createdAt),
    html`<a href="/timeline?workflow=${encodeURIComponent(r.workflowId)}&range=1d">timeline</a>`,
  ]);
  const params = new URLSearchParams(Object.entries(q).filter(([k, v]) => k !== "page" && v !== ""));
  return html`<h1>Workflows</h1>
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
      ${pager("/workflows", params, page, hasNext)}`;
}
