import { fmtTime } from "../format.js";
import { type Html, html, query } from "../html.js";
import { RANGES } from "../timeline/range.js";
import type { TimelineData } from "../timeline/types.js";
import { select } from "./parts.js";
import { timelineSvg } from "./timeline-svg.js";

export interface TimelinePageData {
  /** The page's query parameters (range, filters, custom from/to). */
  query: Record<string, string>;
  from: number;
  to: number;
  /** Drawing width of the time axis in pixels. */
  width: number;
  data: TimelineData;
  taskIds: readonly string[];
}

export function timelinePage({ query: q, from, to, width, data, taskIds }: TimelinePageData): Html {
  const custom = q.from !== undefined;
  const rangeLinks = Object.keys(RANGES).map((r) => {
    const active = !custom && (q.range ?? "15m") === r;
    return html`<a class="${active ? "active" : ""}" href="/timeline${query({ range: r, task: q.task, workflow: q.workflow })}">${r}</a>`;
  });
  const span = to - from;
  const shift = (f: number, t: number) =>
    `/timeline${query({ from: Math.round(f), to: Math.round(t), task: q.task, workflow: q.workflow, w: width })}`;
  const nav = html`<span class="ranges">
      <a href="${shift(from - span / 2, to - span / 2)}" title="earlier">◀</a>
      <a href="${shift(from - span / 2, to + span / 2)}" title="zoom out">−</a>
      <a href="${shift(from + span / 4, to - span / 4)}" title="zoom in">+</a>
      <a href="${shift(from + span / 2, to + span / 2)}" title="later">▶</a>
    </span>`;
  const tasks = [{ value: "", label: "all tasks" }, ...taskIds.map((t) => ({ value: t, label: t }))];
  return html`<h1>Timeline</h1>
      <form class="filters" method="get" action="/timeline">
        <span class="ranges">${rangeLinks}</span> ${nav}
        ${select("task", tasks, q.task)}
        <input name="workflow" placeholder="workflow id" value="${q.workflow ?? ""}">
        <input name="from" type="datetime-local" step="1" value="${custom ? new Date(from).toISOString().slice(0, 19) : ""}" title="custom range start (UTC)">
        <input name="to" type="datetime-local" step="1" value="${custom ? new Date(to).toISOString().slice(0, 19) : ""}" title="custom range end (UTC)">
        <input type="hidden" name="range" value="${q.range ?? ""}">
        <button>apply</button>
        <span class="hint">drag across the chart to zoom · click a bar to open it</span>
      </form>
      <p class="summary">${fmtTime(from)} → ${fmtTime(to)} UTC · ${data.invocations} invocations · ${data.lanes.length} lanes · ${data.arrows.length} recoveries${data.truncated ? " · truncated (narrow the range)" : ""}</p>
      <div class="legend">
        <span><i class="sw" style="background:#27ae60"></i>SUCCESS</span><span><i class="sw" style="background:#2e86de"></i>RUNNING</span>
        <span><i class="sw" style="background:#e74c3c"></i>FAILED</span><span><i class="sw" style="background:#e67e22"></i>taken by recovery</span>
        <span><i class="sw arrow"></i>recovery: dead lane → lane that finished it</span><span><i class="sw hatch"></i>silent (no heartbeat) until declared dead</span>
      </div>
      <div class="timeline-wrap" id="timeline" data-query="${query({ ...q, w: width })}">${timelineSvg(data, width)}</div>`;
}
