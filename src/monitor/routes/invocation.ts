import type { Context, Hono } from "hono";
import { appServices } from "../../app.js";
import type { InvocationData } from "../../core/contract/index.js";
import { cancelInvocation } from "../../core/operations/cancel.js";
import { rerunInvocation } from "../../core/operations/rerun.js";
import { isFinal, RECOVERY_STATUSES } from "../../core/status.js";
import { coerceError, NencError, type SerializedError } from "../../errors/index.js";
import { MONITOR_ACTOR, type MonitorContext, renderPage } from "../context.js";
import { fmtDuration, fmtTime, prettyJson, shortId } from "../format.js";
import { type Html, html } from "../html.js";
import { invLink, keyValues, section, statusBadge, table } from "../views/parts.js";

const CHILD_LIMIT = 200;
const LOG_LIMIT = 1000;

function errorView(e: SerializedError): Html {
  return html`<div class="error-box">
    <strong>${e.name}</strong>${e.code ? html` <code>${e.code}</code>` : ""}: ${e.message}
    ${e.stack ? html`<pre class="stack">${e.stack}</pre>` : ""}
    ${e.cause ? html`<div class="cause">caused by ${errorView(e.cause)}</div>` : ""}
  </div>`;
}

function actionForm(ctx: MonitorContext, id: string, action: "rerun" | "cancel", disabled: boolean): Html {
  return html`<form method="post" action="/invocations/${encodeURIComponent(id)}/${action}" class="action">
    <input type="hidden" name="_csrf" value="${ctx.csrfToken}">
    <button id="${action}-button" ${disabled ? html`disabled` : ""}>${action}</button>
  </form>`;
}

async function familyTree(ctx: MonitorContext, data: InvocationData): Promise<Html> {
  const c = await ctx.components();
  const children = await c.stateBackend.findInvocations({ parentId: data.id, limit: CHILD_LIMIT });
  const statuses = await c.orchestrator.getStatuses([data.id, ...children.map((d) => d.id), data.parentId ?? ""]);
  const node = (d: { id: string; taskId: string }, self = false) => {
    const s = statuses.get(d.id);
    return html`<span class="${self ? "self" : ""}">${invLink(d.id, `${d.taskId} ${shortId(d.id)}`)} ${s ? statusBadge(s.status) : ""}</span>`;
  };
  const parent = data.parentId
    ? html`<li>${node({ id: data.parentId, taskId: statuses.get(data.parentId)?.taskId ?? "parent" })}<ul>`
    : "";
  return html`<ul class="tree">${parent}<li>${node(data, true)}
    ${children.length ? html`<ul>${children.map((ch) => html`<li>${node(ch)}</li>`)}</ul>` : ""}
    ${children.length >= CHILD_LIMIT ? html`<p class="hint">first ${CHILD_LIMIT} children</p>` : ""}
  </li>${data.parentId ? html`</ul></li>` : ""}</ul>`;
}

export function registerInvocation(app: Hono, ctx: MonitorContext): void {
  app.get("/invocations/:id", async (c) => {
    const id = c.req.param("id");
    const comps = await ctx.components();
    const [recs, datas, history, outcome, logs, runners] = await Promise.all([
      comps.orchestrator.getStatuses([id]),
      comps.stateBackend.getInvocations([id]),
      comps.orchestrator.history(id),
      comps.orchestrator.getOutcome(id),
      comps.stateBackend.logs(id, LOG_LIMIT),
      comps.orchestrator.runners(),
    ]);
    const rec = recs.get(id);
    const data = datas.get(id);
    if (!rec || !data) {
      const body = html`<h1>Invocation not found</h1><p>No invocation <code>${id}</code> in this app (it may have been purged).</p>`;
      c.status(404);
      return renderPage(c, { title: "Not found", path: "/invocations", body });
    }
    const notice = c.req.query("notice");
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
    const body = html`<h1>${data.taskId} <code class="inv-id">${id}</code> ${statusBadge(rec.status)}</h1>
      ${notice ? html`<p class="notice">${notice}</p>` : ""}
      <div class="actions">${actionForm(ctx, id, "rerun", false)}${actionForm(ctx, id, "cancel", isFinal(rec.status))}</div>
      ${keyValues([
        ["task", html`<a href="/tasks#${data.taskId}">${data.taskId}</a>`],
        ["status", statusBadge(rec.status)],
        ["owner", rec.ownerId ?? "—"],
        ["fencing token", rec.token],
        ["retries", rec.retries],
        ["recoveries", recoveries],
        ["created", fmtTime(data.createdAt)],
        ["updated", fmtTime(rec.updatedAt)],
        ["duration", started !== undefined ? fmtDuration((ended ?? Date.now()) - started) : "—"],
        ["parent", data.parentId ? invLink(data.parentId) : "—"],
        [
          "workflow",
          html`<a href="/invocations?workflow=${encodeURIComponent(data.workflowId)}">${data.workflowId}</a>`,
        ],
      ])}
      ${section("Arguments", html`<pre class="json">${prettyJson(data.args)}</pre>`)}
      ${section(
        outcome?.kind === "error" ? "Error" : "Result",
        outcome === null
          ? html`<p class="empty">Not final yet.</p>`
          : outcome.kind === "result"
            ? html`<pre class="json" id="result">${prettyJson(outcome.value)}</pre>`
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
      ${section("Family tree", await familyTree(ctx, data))}
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
    return renderPage(c, { title: `${data.taskId} ${shortId(id)}`, path: "/invocations", body });
  });

  const fail = (c: Context, id: string, err: unknown) => {
    const e = coerceError(err);
    const msg = e instanceof NencError ? `${e.message} [${e.code}]` : e.message;
    return c.redirect(`/invocations/${encodeURIComponent(id)}?notice=${encodeURIComponent(msg)}`, 303);
  };

  app.post("/invocations/:id/cancel", async (c) => {
    const id = c.req.param("id");
    try {
      const r = await cancelInvocation((await ctx.components()).orchestrator, id, "from the monitor", MONITOR_ACTOR);
      const notice = r.ok ? "Cancelled." : `Not cancelled: ${r.reason}${r.current ? ` (status ${r.current})` : ""}.`;
      return c.redirect(`/invocations/${encodeURIComponent(id)}?notice=${encodeURIComponent(notice)}`, 303);
    } catch (err) {
      return fail(c, id, err);
    }
  });

  app.post("/invocations/:id/rerun", async (c) => {
    const id = c.req.param("id");
    try {
      const newId = await rerunInvocation(
        (await ctx.components()).stateBackend,
        appServices(ctx.app).register,
        id,
        "from the monitor",
      );
      const notice = `Rerun of ${id}.`;
      return c.redirect(`/invocations/${encodeURIComponent(newId)}?notice=${encodeURIComponent(notice)}`, 303);
    } catch (err) {
      return fail(c, id, err);
    }
  });
}
