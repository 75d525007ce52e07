import type { ResolvedConfig } from "../../config/resolve.js";
import { CONFIG_KEY_NAMES } from "../../config/schema.js";
import type { HistoryEntry, RunnerRecord, StatusCount } from "../../core/contract/index.js";
import { isFinal, RECOVERY_STATUSES, STATUSES, type Status } from "../../core/status.js";
import { redactUrl } from "../../errors/index.js";
import { fmtTime, shortId } from "../format.js";
import { type Html, html } from "../html.js";
import { runnerState } from "../runner-state.js";
import { invLink, keyValues, section, statusBadge, table } from "./parts.js";

/** The dashboard's throughput and recovery sections cover the last hour. */
export const HOUR = 3_600_000;

export interface DashboardPageData {
  counts: readonly StatusCount[];
  runners: readonly RunnerRecord[];
  depth: number;
  resolved: ResolvedConfig;
  /** History rows of the last hour. */
  lastHour: readonly HistoryEntry[];
  deadAfterMs: number;
  now: number;
  /** Class names of the components. */
  components: { orchestrator: string; broker: string; stateBackend: string };
  taskIds: readonly string[];
}

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

export function dashboardPage(d: DashboardPageData): Html {
  const { counts, runners, depth, resolved, lastHour, now } = d;
  const byStatus = new Map<Status, number>();
  for (const k of counts) byStatus.set(k.status, (byStatus.get(k.status) ?? 0) + k.count);
  const finished = lastHour.filter((r) => isFinal(r.status));
  const perMinute = new Array<number>(60).fill(0);
  for (const r of finished) {
    const i = Math.min(59, Math.floor((r.at - (now - HOUR)) / 60_000));
    perMinute[i] = (perMinute[i] ?? 0) + 1;
  }
  const peak = Math.max(1, ...perMinute);
  const states = runners.map((r) => runnerState(r, d.deadAfterMs, now));
  const passes = recoveryPasses(lastHour).slice(0, 20);
  return html`<h1>Dashboard</h1>
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
          ["orchestrator", d.components.orchestrator],
          ["broker", d.components.broker],
          ["state backend", d.components.stateBackend],
          ["tasks", d.taskIds.join(", ") || "none"],
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
}
