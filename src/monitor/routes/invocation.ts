import type { Context, Hono } from "hono";
import { appServices } from "../../app.js";
import type { Components, InvocationData } from "../../core/contract/index.js";
import { cancelInvocation } from "../../core/operations/cancel.js";
import { rerunInvocation } from "../../core/operations/rerun.js";
import { coerceError, NencError } from "../../errors/index.js";
import { MONITOR_ACTOR, type MonitorContext, renderPage } from "../context.js";
import { shortId } from "../format.js";
import { type Family, invocationNotFound, invocationPage } from "../views/invocation-page.js";

const CHILD_LIMIT = 200;
const LOG_LIMIT = 1000;

/** The invocation's children (the first CHILD_LIMIT) and the statuses of its parent, itself and its children. */
async function loadFamily(c: Components, data: InvocationData): Promise<Family> {
  const children = await c.stateBackend.findInvocations({ parentId: data.id, limit: CHILD_LIMIT });
  const statuses = await c.orchestrator.getStatuses([data.id, ...children.map((d) => d.id), data.parentId ?? ""]);
  return { children, statuses, childLimit: CHILD_LIMIT };
}

export function registerInvocation(app: Hono, ctx: MonitorContext): void {
  app.get("/invocations/:id", async (c) => {
    const id = c.req.param("id");
    const comps = await ctx.components();
    const [recs, datas, history, outcome, logs, runners, steps] = await Promise.all([
      comps.orchestrator.getStatuses([id]),
      comps.stateBackend.getInvocations([id]),
      comps.orchestrator.history(id),
      comps.orchestrator.getOutcome(id),
      comps.stateBackend.logs(id, LOG_LIMIT),
      comps.orchestrator.runners(),
      comps.orchestrator.workflowSteps(id),
    ]);
    const rec = recs.get(id);
    const data = datas.get(id);
    if (!rec || !data) {
      c.status(404);
      return renderPage(c, { title: "Not found", path: "/invocations", body: invocationNotFound(id) });
    }
    const body = invocationPage({
      id,
      rec,
      data,
      history,
      outcome,
      logs,
      runners,
      family: await loadFamily(comps, data),
      workflow: {
        steps,
        workflowId: data.workflowId,
        data: data.parentId === null ? await comps.orchestrator.workflowData(data.workflowId) : new Map(),
      },
      notice: c.req.query("notice"),
      csrfToken: ctx.csrfToken,
    });
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
