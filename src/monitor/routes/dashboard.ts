import type { Hono } from "hono";
import { CONFIG_KEY_NAMES } from "../../config/schema.js";
import type { HistoryEntry } from "../../core/contract/index.js";
import { isFinal, RECOVERY_STATUSES, STATUSES, type Status } from "../../core/status.js";
import { redactUrl } from "../../errors/index.js";
import { type MonitorContext, renderPage } from "../context.js";
import { fmtTime, shortId } from "../format.js";
import { html } from "../html.js";
import { runnerState } from "../runner-state.js";
import { invLink, keyValues, section, statusBadge, table } from "../views/parts.js";

const HOUR = 3_600_000;

/** Recovery passes seen in history: rows entering a recovery status, grouped by recoverer and second. */
export function recoveryPasses(rows: readonly HistoryEntry[]): Array<{ at: number; by: string; ids: string[] }> {
  const passes = new Map<string, { at: number; by: string; ids: string[] }>();
  for (const r of rows) {
    if (!RECOVERY_STATUSES.includes(r.status)) continue;
    const by = r.actorId ?? "?";
    const key = `${by}@${Math.floor(r.at / 1000)}`;
    const p = passes.get(key) ?? { at: r.at, by, ids: [] };
    p.ids.push(r.invocationId);
    passes.set(key, p);
  }
  return [...passes.values()].sort((a, b) => b.at - a.at);
}

export function registerDashboard(app: Hono, ctx: MonitorContext): void {
  app.get("/", async (c) => {
    const comps = await ctx.components();
    const now = Date.now();
    const [counts, runners, depth, resolved, lastHour, deadAfter] = await Promise.all([
      comps.orchestrator.countByStatus(),
      comps.orchestrator.runners(),
      comps.broker.depth(),
      ctx.app.config(),
      ctx.history.between(now - HOUR, now + 1, 200_000).then((r) => r.rows),
      ctx.deadAfterMs(),
    ]);
    const byStatus = new Map<Status, number>();
    for (const k of counts) byStatus.set(k.status, (byStatus.get(k.status) ?? 0) + k.count);
    const finished = lastHour.filter((r) => isFinal(r.status));
    const perMinute = new Array<number>(60).fill(0);
    for (const r of finished) {
      const i = Math.min(59, Math.floor((r.at - (now - HOUR)) / 60_000));
      perMinute[i] = (perMinute[i] ?? 0) + 1;
    }
    const peak = Math.max(1, ...perMinute);
    const states = runners.map((r) => runnerState(r, deadAfter, now));
    const passes = recoveryPasses(lastHour).slice(0, 20);
    const body = html`<h1>Dashboard</h1>
      <div class="cards">
        ${STATUSES.filter((s) => byStatus.has(s)).map(
          (s) =>
            html`<a class="card" href="/invocations?status=${s}">${statusBadge(s)}<strong data-count="${s}">${byStatus.get(s) ?? 0}</strong></a>`,
        )}
        <div class="card"><span>queue depth</span><strong id="queue-depth">${depth}</strong></div>
        <div class="card"><span>runners alive</span><strong id="runners-alive">${states.filter((s) => s === "alive").length}</strong></div>
        <div class="card"><span>runners dead</span><strong id="runners-dead">${states.filter((s) => s === "dead").length}</strong></div>
      </div>
      ${section(
        `Throughput, last hour: ${finished.length} finished`,
        html`<div class="spark" title="invocations finished per minute">${perMinute.map(
          (n, i) =>
            html`<span style="height:${Math.round((n / peak) * 100)}%" title="${`${60 - i} min ago: ${n}`}"></span>`,
        )}</div>`,
      )}
      ${section(
        "Recovery passes (last hour)",
        table(
          ["at", "by", "invocations"],
          passes.map((p) => [
            fmtTime(p.at),
            p.by,
            html`${p.ids.slice(0, 5).map((id) => html`${invLink(id, shortId(id))} `)}${p.ids.length > 5 ? `+${p.ids.length - 5}` : ""}`,
          ]),
          "No recovery in the last hour.",
        ),
      )}
      ${section(
        "Components",
        keyValues([
          ["orchestrator", comps.orchestrator.constructor.name],
          ["broker", comps.broker.constructor.name],
          ["state backend", comps.stateBackend.constructor.name],
          ["tasks", ctx.app.taskIds.join(", ") || "none"],
        ]),
      )}
      ${section(
        "Resolved config",
        table(
          ["key", "value", "source"],
          CONFIG_KEY_NAMES.map((k) => [
            k,
            html`<code>${/Url$/.test(k) ? redactUrl(String(resolved.config[k])) : JSON.stringify(resolved.config[k])}</code>`,
            resolved.origin[k],
          ]),
        ),
      )}`;
    return renderPage(c, { title: "Dashboard", path: "/", body });
  });

  app.get("/health", async (c) => {
    try {
      const comps = await ctx.components();
      const [runners, depth, deadAfter] = await Promise.all([
        comps.orchestrator.runners(),
        comps.broker.depth(),
        ctx.deadAfterMs(),
      ]);
      const now = Date.now();
      const states = runners.map((r) => runnerState(r, deadAfter, now));
      return c.json({
        status: "ok",
        appId: (await ctx.app.config()).config.appId,
        queueDepth: depth,
        runners: {
          alive: states.filter((s) => s === "alive").length,
          stopping: states.filter((s) => s === "stopping").length,
          dead: states.filter((s) => s === "dead").length,
          stopped: states.filter((s) => s === "stopped").length,
        },
        time: now,
      });
    } catch (err) {
      return c.json({ status: "error", error: (err as Error).message }, 503);
    }
  });
}
