import type { TriggerOrigin } from "../../core/contract/index.js";
import type { Status } from "../../core/status.js";
import { fmtTime, statusColor, statusDoc } from "../format.js";
import { type Html, type HtmlValue, html } from "../html.js";

export function statusBadge(s: Status): Html {
  return html`<span class="badge" style="background:${statusColor(s)}" title="${statusDoc(s)}">${s}</span>`;
}

export function invLink(id: string, label?: string): Html {
  return html`<a class="mono" href="/invocations/${encodeURIComponent(id)}">${label ?? id}</a>`;
}

export function table(headers: readonly string[], rows: readonly HtmlValue[][], empty = "Nothing yet."): Html {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<table>
    <thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr>${r.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody>
  </table>`;
}

export function section(title: string, body: HtmlValue): Html {
  return html`<section><h2>${title}</h2>${body}</section>`;
}

export function keyValues(pairs: ReadonlyArray<readonly [HtmlValue, HtmlValue]>): Html {
  return html`<dl class="kv">${pairs.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

export interface SelectOption {
  value: string;
  label: string;
}

export function select(name: string, options: readonly SelectOption[], current: string | undefined): Html {
  return html`<select name="${name}">${options.map(
    (o) => html`<option value="${o.value}" ${o.value === (current ?? "") ? html`selected` : ""}>${o.label}</option>`,
  )}</select>`;
}

export function pager(base: string, params: URLSearchParams, page: number, hasNext: boolean): Html {
  const at = (p: number) => {
    const q = new URLSearchParams(params);
    q.set("page", String(p));
    return `${base}?${q.toString()}`;
  };
  return html`<div class="pager">
    ${page > 1 ? html`<a href="${at(page - 1)}">← previous</a>` : ""}
    <span>page ${page}</span>
    ${hasNext ? html`<a href="${at(page + 1)}">next →</a>` : ""}
  </div>`;
}

/** What fired a triggered invocation (a cron tick, an event, a source outcome) and the invocation it names. */
export function firing(origin: TriggerOrigin): { what: string; id: string | null } {
  if (origin.tick !== undefined) return { what: `cron tick ${fmtTime(origin.tick)}`, id: null };
  if (origin.eventId) return { what: `event ${origin.event ?? ""}`, id: origin.eventId };
  if (origin.sourceId) return { what: "outcome of", id: origin.sourceId };
  return { what: "", id: null };
}
