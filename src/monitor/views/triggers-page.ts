import type { InvocationData, StatusRecord } from "../../core/contract/index.js";
import { describeCondition } from "../../triggers/conditions.js";
import type { RegisteredTrigger } from "../../triggers/registry.js";
import { fmtTime, shortId } from "../format.js";
import { type Html, html } from "../html.js";
import { firing, invLink, section, statusBadge, table } from "./parts.js";

export interface TriggerRow {
  trigger: RegisteredTrigger;
  /** The invocations it started, newest first (a bounded recent window). */
  started: readonly InvocationData[];
}

export interface TriggersPageData {
  rows: readonly TriggerRow[];
  events: ReadonlyArray<{ data: InvocationData; name: string; status: StatusRecord | undefined }>;
  statuses: ReadonlyMap<string, StatusRecord>;
}

function firedBy(d: InvocationData): string {
  if (!d.origin) return "";
  const { what, id } = firing(d.origin);
  return id ? `${what} ${shortId(id)}` : what;
}

export function triggersPage({ rows, events, statuses }: TriggersPageData): Html {
  const triggerRows = rows.map(({ trigger, started }) => {
    const joiner = trigger.mode === "all" ? " and " : " or ";
    const last = started[0];
    return [
      html`<span id="${trigger.id}" data-trigger-id="${trigger.id}">${trigger.id}</span>`,
      html`<a href="/invocations?task=${encodeURIComponent(trigger.taskId)}">${trigger.taskId}</a>`,
      trigger.mode === "one" ? "—" : trigger.mode,
      trigger.conditions.map(describeCondition).join(joiner),
      last ? html`${fmtTime(last.createdAt)} (${firedBy(last)})` : "never (in the recent window)",
      started.length
        ? html`${started.map((d) => {
            const st = statuses.get(d.id);
            return html`<span class="started">${invLink(d.id, shortId(d.id))} ${st ? statusBadge(st.status) : ""}</span> `;
          })}`
        : "—",
    ];
  });
  const eventRows = events.map((e) => [
    e.name,
    invLink(e.data.id, shortId(e.data.id)),
    fmtTime(e.data.createdAt),
    e.status ? statusBadge(e.status.status) : "—",
  ]);
  return html`<h1>Triggers</h1>
    <p class="hint">Each trigger starts its task once per cron tick, emitted event or source outcome, across all runners and crashes; the invocation it starts records what fired it.</p>
    ${section(
      "Triggers",
      table(
        ["trigger", "task", "combined", "conditions", "last firing", "started (newest first)"],
        triggerRows,
        "No task of this app has triggers.",
      ),
    )}
    ${section("Recent events", table(["event", "id", "emitted", "evaluation"], eventRows, "No event emitted yet."))}`;
}
