import { STATUS_TABLE, STATUSES, type Status } from "./status.js";

/** The state machine as a Markdown table (used in docs; generated from STATUS_TABLE). */
export function renderStatusTable(): string {
  const rows = STATUSES.map((s) => {
    const spec = STATUS_TABLE[s];
    return `| ${s} | ${spec.final ? "final" : spec.next.join(", ")} | ${spec.onEnter} | ${spec.leaveRequiresOwner ? "yes" : "no"} | ${spec.doc} |`;
  });
  return [
    "| status | allowed to | ownership on enter | leaving needs owner | meaning |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** Plain text: one line per status with its arrows. */
export function renderStatusText(): string {
  const width = Math.max(...STATUSES.map((s) => s.length));
  return STATUSES.map((s) => {
    const spec = STATUS_TABLE[s];
    const to = spec.final ? "(final)" : `-> ${spec.next.join(", ")}`;
    return `${s.padEnd(width)}  ${to}    [${spec.onEnter}]`;
  }).join("\n");
}

const LAYERS: Status[][] = [
  ["REGISTERED"],
  ["CONCURRENCY_CONTROLLED", "PENDING", "CONCURRENCY_CONTROLLED_FINAL"],
  ["PENDING_RECOVERY", "RUNNING", "RETRY"],
  ["PAUSED", "RESUMED", "RUNNING_RECOVERY", "WAITING"],
  ["KILLED", "SUCCESS", "FAILED"],
  ["REROUTED", "CANCELLING"],
];

/** The layout above, with any status it does not place added to the last layer. */
function layers(): Status[][] {
  const placed = new Set(LAYERS.flat());
  const rest = STATUSES.filter((s) => !placed.has(s));
  return rest.length === 0 ? LAYERS : [...LAYERS.slice(0, -1), [...(LAYERS.at(-1) ?? []), ...rest]];
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
}

/** An SVG drawing of the state machine: boxes laid out in layers, one arrow per allowed transition. */
export function renderStatusSvg(): string {
  const boxW = 230;
  const boxH = 34;
  const gapX = 40;
  const gapY = 70;
  const width = 4 * boxW + 5 * gapX;
  const pos = new Map<Status, { x: number; y: number }>();
  const rows = layers();
  rows.forEach((layer, row) => {
    const offset = (width - (layer.length * boxW + (layer.length - 1) * gapX)) / 2;
    layer.forEach((s, col) => {
      pos.set(s, { x: offset + col * (boxW + gapX), y: 20 + row * (boxH + gapY) });
    });
  });
  const height = 20 + rows.length * (boxH + gapY);
  const parts: string[] = [];
  for (const from of STATUSES) {
    const a = pos.get(from);
    if (!a) continue;
    for (const to of STATUS_TABLE[from].next) {
      const b = pos.get(to);
      if (!b) continue;
      const x1 = a.x + boxW / 2;
      const y1 = a.y + boxH / 2;
      const x2 = b.x + boxW / 2;
      const y2 = b.y + boxH / 2;
      const dy = y2 > y1 ? boxH / 2 : y2 < y1 ? -boxH / 2 : 0;
      const bend = y2 <= y1 ? 60 : 0;
      parts.push(
        `<path d="M${x1},${y1 + dy} Q${(x1 + x2) / 2 + bend},${(y1 + y2) / 2} ${x2},${y2 - dy}" fill="none" stroke="#667" stroke-width="1.2" marker-end="url(#arrow)"><title>${from} → ${to}</title></path>`,
      );
    }
  }
  for (const [s, p] of pos) {
    const spec = STATUS_TABLE[s];
    const fill = spec.final
      ? "#d9f2d9"
      : spec.onEnter === "override"
        ? "#fde2c8"
        : spec.onEnter === "acquire" || spec.onEnter === "keep"
          ? "#dbe8fb"
          : "#eeeeee";
    parts.push(
      `<g><rect x="${p.x}" y="${p.y}" width="${boxW}" height="${boxH}" rx="6" fill="${fill}" stroke="#334"/><text x="${p.x + boxW / 2}" y="${p.y + 22}" text-anchor="middle" font-family="monospace" font-size="13">${escapeXml(s)}</text><title>${escapeXml(spec.doc)}</title></g>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#667"/></marker></defs>${parts.join("")}</svg>\n`;
}
