import type { Status } from "../../core/status.js";
import { fmtDuration, fmtTime, shortId, statusColor } from "../format.js";
import { type Html, html } from "../html.js";
import type { Lane, TimelineData } from "../timeline/types.js";

const LABEL_W = 230;
const AXIS_H = 28;
const ROW_H = 14;
const LANE_PAD = 8;

interface Geometry {
  x(t: number): number;
  laneTop: Map<string, number>;
  laneHeight: Map<string, number>;
  width: number;
  height: number;
}

function geometry(d: TimelineData, width: number): Geometry {
  const laneTop = new Map<string, number>();
  const laneHeight = new Map<string, number>();
  let y = AXIS_H;
  for (const l of d.lanes) {
    const h = Math.max(l.rows, 1) * ROW_H + LANE_PAD * 2 + 12;
    laneTop.set(l.id, y);
    laneHeight.set(l.id, h);
    y += h;
  }
  const span = Math.max(1, d.to - d.from);
  return {
    x: (t) => LABEL_W + ((Math.min(Math.max(t, d.from), d.to) - d.from) / span) * width,
    laneTop,
    laneHeight,
    width: LABEL_W + width,
    height: Math.max(y, AXIS_H + 40) + 6,
  };
}

const STEPS = [1e3, 5e3, 1e4, 3e4, 6e4, 3e5, 6e5, 18e5, 36e5, 3 * 36e5, 6 * 36e5, 12 * 36e5, 864e5];

function axis(d: TimelineData, g: Geometry): Html {
  const span = d.to - d.from;
  const step = STEPS.find((s) => span / s <= 10) ?? 864e5;
  const ticks: number[] = [];
  for (let t = Math.ceil(d.from / step) * step; t <= d.to; t += step) ticks.push(t);
  const label = (t: number) => {
    const iso = new Date(t).toISOString();
    return step >= 864e5 ? iso.slice(5, 10) : step >= 6e4 ? iso.slice(11, 16) : iso.slice(11, 19);
  };
  return html`<g class="axis">${ticks.map(
    (t) => html`<line x1="${g.x(t)}" x2="${g.x(t)}" y1="${AXIS_H - 6}" y2="${g.height}" class="grid"/>
      ${g.x(t) < g.width - 50 ? html`<text x="${g.x(t) + 3}" y="${AXIS_H - 10}">${label(t)}</text>` : ""}`,
  )}</g>`;
}

/** A marker's text: right of its line, or left of it near the right edge so it is not cut off. */
function label(g: Geometry, x: number, y: number, text: string): Html {
  const flip = x > g.width - 140;
  return html`<text x="${flip ? x - 4 : x + 4}" y="${y}" text-anchor="${flip ? "end" : "start"}">${text}</text>`;
}

function laneView(l: Lane, d: TimelineData, g: Geometry): Html {
  const top = g.laneTop.get(l.id) ?? 0;
  const h = g.laneHeight.get(l.id) ?? ROW_H;
  const mid = top + h / 2;
  const alive =
    l.startedAt !== null && l.lastHeartbeat !== null
      ? html`<rect class="alive" x="${g.x(l.startedAt)}" y="${top + 2}" width="${Math.max(0, g.x(l.stoppedAt ?? l.lastHeartbeat) - g.x(l.startedAt))}" height="${h - 4}"><title>${`${l.id} alive from ${fmtTime(l.startedAt)} to last heartbeat ${fmtTime(l.lastHeartbeat)}`}</title></rect>`
      : "";
  const silent =
    l.declaredDeadAt !== null && l.lastHeartbeat !== null
      ? html`<rect class="silent" x="${g.x(l.lastHeartbeat)}" y="${top + 2}" width="${Math.max(0, g.x(l.declaredDeadAt) - g.x(l.lastHeartbeat))}" height="${h - 4}"><title>${`no heartbeat since ${fmtTime(l.lastHeartbeat)}`}</title></rect>`
      : "";
  const heartbeat =
    l.state === "dead" && l.lastHeartbeat !== null && l.lastHeartbeat >= d.from && l.lastHeartbeat <= d.to
      ? html`<g class="heartbeat"><line x1="${g.x(l.lastHeartbeat)}" x2="${g.x(l.lastHeartbeat)}" y1="${top + 2}" y2="${top + h - 2}"/>${label(g, g.x(l.lastHeartbeat), top + 11, "♥ last heartbeat")}<title>${`last heartbeat ${fmtTime(l.lastHeartbeat)}`}</title></g>`
      : "";
  const dead =
    l.declaredDeadAt !== null && l.declaredDeadAt <= d.to
      ? html`<g class="dead-marker" data-lane="${l.id}"><line x1="${g.x(l.declaredDeadAt)}" x2="${g.x(l.declaredDeadAt)}" y1="${top}" y2="${top + h}"/>${label(g, g.x(l.declaredDeadAt), top + h - 4, `✝ declared dead ${fmtTime(l.declaredDeadAt).slice(11, 19)}`)}</g>`
      : "";
  const stopped =
    l.stoppedAt !== null && l.stoppedAt <= d.to
      ? html`<g class="stopped-marker"><line x1="${g.x(l.stoppedAt)}" x2="${g.x(l.stoppedAt)}" y1="${top}" y2="${top + h}"/></g>`
      : "";
  const indent = 6 + l.depth * 14;
  const title = `${l.kind}${l.pid !== null ? ` pid ${l.pid}` : ""}`;
  return html`<g class="lane lane-${l.state}" data-lane="${l.id}" data-state="${l.state}">
    <rect class="lane-bg" x="0" y="${top}" width="${g.width}" height="${h}"/>
    ${alive}${silent}${heartbeat}${stopped}${dead}
    <a href="/runners#${l.id}"><text class="lane-label" x="${indent}" y="${mid - 2}">${l.depth ? "└ " : ""}${title}</text></a>
    <text class="lane-sub" x="${indent}" y="${mid + 11}">${shortId(l.id.split("-").at(-1) ?? l.id)} · ${l.state}${l.aggregated ? " · aggregated" : ""}</text>
  </g>`;
}

function barTip(b: TimelineData["bars"][number]): string {
  return `${b.taskId} ${b.invocationId}\n${b.statuses.join(" → ")}\n${fmtTime(b.start)} · ${fmtDuration(b.end - b.start)}${b.open ? " (still open)" : ""}\non ${b.lane}`;
}

export function timelineSvg(d: TimelineData, width: number): Html {
  const g = geometry(d, width);
  const rowY = (lane: string, row: number) => (g.laneTop.get(lane) ?? 0) + LANE_PAD + row * ROW_H;
  const laneMid = (lane: string) => (g.laneTop.get(lane) ?? 0) + (g.laneHeight.get(lane) ?? 0) / 2;
  const bars = d.bars.map((b) => {
    const x = g.x(b.start);
    const w = Math.max(2, g.x(b.end) - x);
    return html`<a href="/invocations/${encodeURIComponent(b.invocationId)}" class="bar-link"><rect class="bar${b.open ? " open" : ""}" data-inv="${b.invocationId}" data-status="${b.status}" data-lane="${b.lane}" data-tip="${barTip(b)}" x="${x}" y="${rowY(b.lane, b.row)}" width="${w}" height="${ROW_H - 3}" rx="2" fill="${statusColor(b.status)}"><title>${barTip(b)}</title></rect></a>`;
  });
  const maxCount = Math.max(1, ...d.buckets.map((k) => k.count));
  const buckets = d.buckets.map((k) => {
    const tip = `${k.count} invocations ${fmtTime(k.start).slice(11, 19)}–${fmtTime(k.end).slice(11, 19)}\n${Object.entries(
      k.byStatus,
    )
      .map(([s, n]) => `${s}: ${n}`)
      .join("\n")}`;
    const h = (g.laneHeight.get(k.lane) ?? ROW_H) - LANE_PAD * 2;
    const opacity = 0.35 + (0.65 * Math.log(1 + k.count)) / Math.log(1 + maxCount);
    return html`<rect class="bucket" data-tip="${tip}" x="${g.x(k.start)}" y="${(g.laneTop.get(k.lane) ?? 0) + LANE_PAD}" width="${Math.max(1, g.x(k.end) - g.x(k.start))}" height="${h}" fill="${statusColor(k.status as Status)}" opacity="${opacity.toFixed(2)}"><title>${tip}</title></rect>`;
  });
  const arrows = d.arrows.map((a) => {
    const x1 = g.x(a.at);
    const y1 = laneMid(a.fromLane);
    const x2 = Math.max(g.x(a.arrivedAt), x1 + 4);
    const y2 = laneMid(a.toLane);
    const tip = `${a.taskId} ${a.invocationId}\nrecovered from ${a.fromLane}${a.recoveredBy ? ` by ${a.recoveredBy}` : ""}\nresumed on ${a.toLane}`;
    return html`<a href="/invocations/${encodeURIComponent(a.invocationId)}"><path class="recovery-arrow" data-inv="${a.invocationId}" data-from="${a.fromLane}" data-to="${a.toLane}" data-tip="${tip}" d="M${x1},${y1} C${x1 + 50},${y1} ${x2 - 50},${y2} ${x2},${y2}" marker-end="url(#arrowhead)"><title>${tip}</title></path></a>`;
  });
  const markers = d.markers.map(
    (m) =>
      html`<a href="/invocations/${encodeURIComponent(m.invocationId)}"><path class="marker marker-${m.kind}" data-inv="${m.invocationId}" d="M${g.x(m.at)},${laneMid(m.lane) - 6} l6,6 l-6,6 l-6,-6 z"><title>${`${m.kind} ${m.invocationId} at ${fmtTime(m.at)}`}</title></path></a>`,
  );
  const now = Date.now();
  const nowLine =
    now >= d.from && now <= d.to
      ? html`<line class="now" x1="${g.x(now)}" x2="${g.x(now)}" y1="${AXIS_H - 6}" y2="${g.height}"/>`
      : "";
  return html`<svg id="timeline-svg" xmlns="http://www.w3.org/2000/svg" width="${g.width}" height="${g.height}" data-from="${d.from}" data-to="${d.to}" data-label-width="${LABEL_W}" data-plot-width="${width}">
    <defs>
      <marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#d35400"/></marker>
      <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#e74c3c" stroke-width="2" opacity="0.35"/></pattern>
    </defs>
    ${axis(d, g)}
    ${d.lanes.map((l) => laneView(l, d, g))}
    <g class="bars">${bars}${buckets}</g>
    <g class="markers">${markers}</g>
    <g class="arrows">${arrows}</g>
    ${nowLine}
    <rect id="zoom-band" class="zoom-band" x="0" y="0" width="0" height="${g.height}" visibility="hidden"/>
  </svg>`;
}
