import type {
  HistoryEntry,
  InvocationData,
  LogRecord,
  Outcome,
  RunnerRecord,
  StatusRecord,
  TriggerOrigin,
} from "../../core/contract/index.js";
import { isValueRef } from "../../core/large-values.js";
import { describeStoredValue, isUndefinedResult } from "../../core/serialization.js";
import { isFinal, RECOVERY_STATUSES } from "../../core/status.js";
import type { SerializedError } from "../../errors/index.js";
import { fmtDuration, fmtTime, shortId } from "../format.js";
import { type Html, type HtmlValue, html } from "../html.js";
import { firing, invLink, keyValues, section, statusBadge, table } from "./parts.js";
import { scheduledBadge } from "./schedule.js";
import { type WorkflowView, workflowSection } from "./workflow-steps.js";

/** The invocation's parent and children, with their statuses. */
export interface Family {
  children: readonly InvocationData[];
  statuses: Map<string, StatusRecord>;
  /** How many children were read at most. */
  childLimit: number;
}

export interface InvocationPageData {
  id: string;
  rec: StatusRecord;
  data: InvocationData;
  history: readonly HistoryEntry[];
  outcome: Outcome | null;
  logs: readonly LogRecord[];
  runners: readonly RunnerRecord[];
  family: Family;
  /** Its recorded workflow steps and its workflow's data (empty for a plain task). */
  workflow: WorkflowView;
  /** The message a cancel or rerun redirected with. */
  notice: string | undefined;
  csrfToken: string;
}

function errorView(e: SerializedError): Html {
  return html`<div class="error-box">
    <strong>${e.name}</strong>${e.code ? html` <code>${e.code}</code>` : ""}: ${e.message}
    ${e.stack ? html`<pre class="stack">${e.stack}</pre>` : ""}
    ${e.cause ? html`<div class="cause">caused by ${errorView(e.cause)}</div>` : ""}
  </div>`;
}

function actionForm(csrfToken: string, id: string, action: "rerun" | "cancel", disabled: boolean): Html {
  return html`<form method="post" action="/invocations/${encodeURIComponent(id)}/${action}" class="action">
    <input type="hidden" name="_csrf" value="${csrfToken}">
    <button id="${action}-button" ${disabled ? html`disabled` : ""}>${action}</button>
  </form>`;
}

function familyTree(data: InvocationData, { children, statuses, childLimit }: Family): Html {
  const node = (d: { id: string; taskId: string }, self = false) => {
    const s = statuses.get(d.id);
    return html`<span class="${self ? "self" : ""}">${invLink(d.id, `${d.taskId} ${shortId(d.id)}`)} ${s ? statusBadge(s.status) : ""}</span>`;
  };
  const parent = data.parentId
    ? html`<li>${node({ id: data.parentId, taskId: statuses.get(data.parentId)?.taskId ?? "parent" })}<ul>`
    : "";
  return html`<ul class="tree">${parent}<li>${node(data, true)}
    ${children.length ? html`<ul>${children.map((ch) => html`<li>${node(ch)}</li>`)}</ul>` : ""}
    ${children.length >= childLimit ? html`<p class="hint">first ${childLimit} children</p>` : ""}
  </li>${data.parentId ? html`</ul></li>` : ""}</ul>`;
}

/** A large value is shown by its reference (it may be megabytes), anything else as given. */
function storedValue(text: string, shown: Html): Html {
  return isValueRef(text)
    ? html`<p class="hint">A large value, stored once in the value store (above largeValueBytes): <code>${text}</code></p>`
    : shown;
}

export function invocationNotFound(id: string): Html {
  return html`<h1>Invocation not found</h1><p>No invocation <code>${id}</code> in this app (it may have been purged).</p>`;
}

export function invocationPage(p: InvocationPageData): Html {
  const { id, rec, data, history, outcome, logs, runners, notice } = p;
  const recoveries = history.filter((h) => RECOVERY_STATUSES.includes(h.status)).length;
  const started = history.find((h) => h.status === "RUNNING")?.at;
  const ended = isFinal(rec.status) ? history.at(-1)?.at : undefined;
  const owners = new Set(history.flatMap((h) => [h.ownerId, h.actorId]).filter((x): x is string => !!x));
  const runnerRows = runners
    .filter((r) => owners.has(r.id))
    .map((r) => [
      html`<a href="/runners#${r.id}">${r.id}</a>`,
      r.kind,
      `${r.host} pid ${r.pid}${r.threadId ? ` thread ${r.threadId}` : ""}`,
      r.parentId ?? "—",
      fmtTime(r.startedAt),
    ]);
  return html`<h1>${data.taskId} <code class="inv-id">${id}</code> ${statusBadge(rec.status)}${scheduledBadge(rec, data)}</h1>
      ${notice ? html`<p class="notice">${notice}</p>` : ""}
      <div class="actions">${actionForm(p.csrfToken, id, "rerun", false)}${actionForm(p.csrfToken, id, "cancel", isFinal(rec.status))}</div>
      ${keyValues([
        ["task", html`<a href="/tasks#${data.taskId}">${data.taskId}</a>`],
        ["status", statusBadge(rec.status)],
        ["queue", data.queue ?? "default"],
        ["priority", data.priority ?? 0],
        ["run at", data.runAt ? fmtTime(data.runAt) : "as soon as possible"],
        ["owner", rec.ownerId ?? "—"],
        ["fencing token", rec.token],
        ["retries", rec.retries],
        ["recoveries", recoveries],
        ["created", fmtTime(data.createdAt)],
        ["updated", fmtTime(rec.updatedAt)],
        ["duration", started !== undefined ? fmtDuration((ended ?? Date.now()) - started) : "—"],
        ["running concurrency scope", rec.runningScope ? html`<code>${rec.runningScope}</code>` : "—"],
        ["registration concurrency scope", rec.registrationScope ? html`<code>${rec.registrationScope}</code>` : "—"],
        ["started by", originCell(data.origin)],
        ["parent", data.parentId ? invLink(data.parentId) : "—"],
        [
          "workflow",
          html`<a href="/invocations?workflow=${encodeURIComponent(data.workflowId)}">${data.workflowId}</a>`,
        ],
      ])}
      ${section("Arguments", storedValue(data.args, html`<pre class="json">${describeStoredValue(data.args)}</pre>`))}
      ${section(
        outcome?.kind === "error" ? "Error" : "Result",
        outcome === null
          ? html`<p class="empty">Not final yet.</p>`
          : outcome.kind === "result"
            ? isUndefinedResult(outcome.value)
              ? html`<pre class="json" id="result">undefined</pre><p class="empty">The task returned nothing.</p>`
              : storedValue(
                  outcome.value,
                  html`<pre class="json" id="result">${describeStoredValue(outcome.value)}</pre>`,
                )
            : errorView(outcome.error),
      )}
      ${section(
        "Status history",
        table(
          ["#", "status", "owner", "token", "by", "at", "note"],
          history.map((h) => [
            h.seq,
            statusBadge(h.status),
            h.ownerId ?? "—",
            h.token,
            h.actorId ?? "—",
            fmtTime(h.at),
            h.note ?? "",
          ]),
        ),
      )}
      ${workflowSection(p.workflow, rec, p.history)}
      ${section("Family tree", familyTree(data, p.family))}
      ${section("Runner context", table(["runner", "kind", "where", "parent", "started"], runnerRows, "No runner yet."))}
      ${section(
        `Task log (${logs.length})`,
        table(
          ["at", "level", "runner", "message"],
          logs.map((l) => [
            fmtTime(l.at),
            html`<span class="lvl lvl-${l.level}">${l.level}</span>`,
            l.runnerId ?? "—",
            html`<span class="log-msg">${l.message}</span>`,
          ]),
          "No log line captured for this invocation.",
        ),
      )}`;
}

/** What started it: a call, or a trigger (with the tick, event or source invocation that fired it). */
function originCell(origin: TriggerOrigin | null | undefined): HtmlValue {
  if (!origin) return "a call";
  const trigger = html`trigger <a href="/triggers#${origin.trigger}" data-trigger="${origin.trigger}">${origin.trigger}</a>`;
  const { what, id } = firing(origin);
  if (!what) return trigger;
  return html`${trigger}, ${what}${id ? html` ${invLink(id)}` : ""}`;
}
