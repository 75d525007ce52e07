import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Components } from "../core/contract/index.js";
import { isFinal, RECOVERY_STATUSES } from "../core/status.js";
import { runnerState } from "./runner-state.js";

/** History rows read per scrape at most; the cursor catches up over the next scrapes. */
const SCRAPE_LIMIT = 20_000;
const STARTS_KEPT = 100_000;
/** Rows are stamped before their transaction commits: re-read this much and skip rows already counted. */
const OVERLAP_MS = 5000;

/**
 * Prometheus metrics on the monitor's own registry. Gauges read the backend on each scrape;
 * durations and recoveries are counted from the history rows written since the previous scrape
 * (counters start at the monitor's start, as Prometheus expects).
 */
export class MonitorMetrics {
  readonly registry = new Registry();
  private cursor = Date.now();
  private readonly starts = new Map<string, number>();
  /** `invocationId:seq` of rows already counted within the overlap window, with their time. */
  private readonly seen = new Map<string, number>();
  private readonly invocations = new Gauge({
    name: "nenc_invocations",
    help: "Invocations by task and status",
    labelNames: ["task", "status"],
    registers: [this.registry],
  });
  private readonly queueDepth = new Gauge({
    name: "nenc_queue_depth",
    help: "Deliveries queued in the broker",
    registers: [this.registry],
  });
  private readonly heartbeatAge = new Gauge({
    name: "nenc_runner_heartbeat_age_seconds",
    help: "Seconds since each running runner's last heartbeat",
    labelNames: ["runner", "kind", "state"],
    registers: [this.registry],
  });
  private readonly runnersGauge = new Gauge({
    name: "nenc_runners",
    help: "Runners by state (alive, dead, stopped)",
    labelNames: ["state"],
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: "nenc_invocation_duration_seconds",
    help: "Run time from RUNNING to a final status, by task and final status",
    labelNames: ["task", "status"],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800],
    registers: [this.registry],
  });
  private readonly recoveries = new Counter({
    name: "nenc_recoveries_total",
    help: "Invocations taken from a dead or stuck owner by recovery",
    registers: [this.registry],
  });

  constructor(
    private readonly components: () => Promise<Components>,
    private readonly deadAfterMs: () => Promise<number>,
  ) {}

  async render(): Promise<{ body: string; contentType: string }> {
    const c = await this.components();
    const now = Date.now();
    const [counts, depth, runners, deadAfter, rows] = await Promise.all([
      c.orchestrator.countByStatus(),
      c.broker.depth(),
      c.orchestrator.runners(),
      this.deadAfterMs(),
      c.orchestrator.historyBetween(this.cursor - OVERLAP_MS, now, SCRAPE_LIMIT),
    ]);
    this.invocations.reset();
    for (const k of counts) this.invocations.set({ task: k.taskId, status: k.status }, k.count);
    this.queueDepth.set(depth);
    this.heartbeatAge.reset();
    this.runnersGauge.reset();
    const byState = { alive: 0, stopping: 0, dead: 0, stopped: 0 };
    for (const r of runners) {
      const state = runnerState(r, deadAfter, now);
      byState[state]++;
      if (state !== "stopped")
        this.heartbeatAge.set({ runner: r.id, kind: r.kind, state }, (now - r.lastHeartbeat) / 1000);
    }
    for (const [state, n] of Object.entries(byState)) this.runnersGauge.set({ state }, n);
    await this.observe(c, rows);
    // Truncated: the next scrape starts reading at the last row read (its rows are skipped as seen).
    this.cursor = rows.length >= SCRAPE_LIMIT ? (rows.at(-1)?.at ?? now) + OVERLAP_MS : now;
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  private async observe(c: Components, rows: Awaited<ReturnType<Components["orchestrator"]["historyBetween"]>>) {
    const finals: Array<{ id: string; status: string; seconds: number }> = [];
    for (const [key, at] of this.seen) if (at < this.cursor - OVERLAP_MS) this.seen.delete(key);
    for (const r of rows) {
      const key = `${r.invocationId}:${r.seq}`;
      if (this.seen.has(key)) continue;
      this.seen.set(key, r.at);
      if (r.status === "RUNNING" && !this.starts.has(r.invocationId)) this.starts.set(r.invocationId, r.at);
      if (RECOVERY_STATUSES.includes(r.status)) this.recoveries.inc();
      if (isFinal(r.status)) {
        const start = this.starts.get(r.invocationId);
        this.starts.delete(r.invocationId);
        if (start !== undefined) finals.push({ id: r.invocationId, status: r.status, seconds: (r.at - start) / 1000 });
      }
    }
    while (this.starts.size > STARTS_KEPT) this.starts.delete(this.starts.keys().next().value as string);
    if (finals.length === 0) return;
    const recs = await c.orchestrator.getStatuses(finals.map((f) => f.id));
    for (const f of finals) {
      this.durations.observe({ task: recs.get(f.id)?.taskId ?? "?", status: f.status }, f.seconds);
    }
  }
}
