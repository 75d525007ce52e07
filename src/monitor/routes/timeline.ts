import type { Hono } from "hono";
import { intParam, type MonitorContext, renderPage } from "../context.js";
import { fmtTime } from "../format.js";
import { html, query } from "../html.js";
import { loadTimeline } from "../timeline/load.js";
import { select } from "../views/parts.js";
import { timelineSvg } from "../views/timeline-svg.js";

export const RANGES: Record<string, number> = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "6h": 21_600_000,
  "1d": 86_400_000,
  "1w": 604_800_000,
};

/** `from`/`to` as ms or ISO dates (custom range), else `range` back from now (default 15 minutes). */
export function parseRange(q: Record<string, string | undefined>, now: number): { from: number; to: number } {
  const parse = (v: string | undefined) => {
    if (!v) return null;
    const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v.endsWith("Z") ? v : `${v}Z`);
    return Number.isFinite(n) ? n : null;
  };
  const from = parse(q.from);
  const to = parse(q.to);
  if (from !== null) {
    const end = to !== null && to > from ? to : now;
    // At least one second, at most a week.
    return { from: Math.max(from, end - RANGES["1w"]!), to: Math.max(end, from + 1000) };
  }
  const span = RANGES[q.range ?? ""] ?? RANGES["15m"]!;
  return { from: now - span, to: now };
}

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
    const tasks = [{ value: "", label: "all tasks" }, ...ctx.app.taskIds.map((t) => ({ value: t, label: t }))];
    const body = html`<h1>Timeline</h1>
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
    // Wide ranges change slowly and cost more to read: poll them less often.
    const liveIntervalMs = span <= 3_600_000 ? 2500 : span <= 86_400_000 ? 10_000 : 30_000;
    return renderPage(c, { title: "Timeline", path: "/timeline", body, liveIntervalMs });
  });
}
