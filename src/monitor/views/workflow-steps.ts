import type { HistoryEntry, StatusRecord, WorkflowStep } from "../../core/contract/index.js";
import { describeStoredValue } from "../../core/serialization.js";
import { fmtTime } from "../format.js";
import { type Html, type HtmlValue, html } from "../html.js";
import { invLink, keyValues, section, table } from "./parts.js";

export interface WorkflowView {
  steps: readonly WorkflowStep[];
  /** The workflow's data (JSON values by key); shown on the workflow's root. */
  data: ReadonlyMap<string, string>;
  /** The workflow it belongs to (its root's id). */
  workflowId: string;
}

function stepValue(s: WorkflowStep): HtmlValue {
  try {
    if (s.kind === "run") return invLink(JSON.parse(s.value) as string);
    if (s.kind === "sleep") return `until ${fmtTime(JSON.parse(s.value) as number)}`;
    if (s.kind === "now") return fmtTime(JSON.parse(s.value) as number);
  } catch {
    // shown as stored below
  }
  return html`<code>${describeStoredValue(s.value)}</code>`;
}

/** A workflow run: its recorded steps in order, its executions (replays), what it waits for and its data. */
export function workflowSection(
  view: WorkflowView,
  rec: StatusRecord,
  history: readonly HistoryEntry[],
): Html | string {
  if (view.steps.length === 0 && view.data.size === 0) return "";
  const waiting = rec.status === "WAITING" ? (history.at(-1)?.note ?? "its wake-up time") : "—";
  const rows = view.steps.map((s) => [
    html`<span data-step="${s.stepNo}">${s.stepNo}</span>`,
    s.kind,
    s.name || "—",
    stepValue(s),
    fmtTime(s.at),
  ]);
  const data = [...view.data].map(([k, v]) => [k, html`<code>${describeStoredValue(v)}</code>`] as const);
  return html`${section(
    "Workflow",
    keyValues([
      ["executions (the first run and its replays)", rec.attempts],
      ["waiting for", html`<span data-waiting-for>${waiting}</span>`],
      [
        "timeline",
        html`<a href="/timeline?workflow=${encodeURIComponent(view.workflowId)}&range=1d">this workflow's invocations on the timeline</a>`,
      ],
    ]),
  )}
    ${section("Workflow steps", table(["#", "kind", "name", "recorded value", "recorded at"], rows, "No step recorded yet."))}
    ${data.length ? section("Workflow data", keyValues(data)) : ""}`;
}
