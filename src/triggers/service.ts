import type { Orchestrator, StateBackend, StatusRecord } from "../core/contract/index.js";
import { resolveValue } from "../core/large-values.js";
import type { Logger } from "../core/logger.js";
import { decode } from "../core/serialization.js";
import type { Status } from "../core/status.js";
import { coerceError, restoreError, TriggerDefinitionError } from "../errors/index.js";
import type { ConditionInput, SourceInvocation } from "./conditions.js";
import type { TriggerFirer } from "./firing.js";
import type { ConditionRef, TriggerRegistry } from "./registry.js";

/** One runner at a time evaluates cron ticks and source outcomes: the holder of this lease. */
const LEASE = "triggers";
const LEASE_MS = 3000;
/** How often the holder evaluates (a trigger fires well within a second of its condition). */
const LOOP_MS = 200;
/** A tick up to this late still fires (a lease handed over after its holder died). */
const GRACE_MS = 15_000;
/** Outcome scans re-read this far back: writers' commits land out of order. */
const OVERLAP_MS = 5000;
/** The first scan of a source starts this far back. */
const FIRST_SCAN_MS = 60_000;
const SCAN_LIMIT = 500;
const MAX_TICKS = 1000;

interface Cursor {
  at: number;
  version: number;
  savedAt: number;
  dirty: boolean;
}

/**
 * Runs inside every runner; the lease holder evaluates cron ticks (by the backend's clock:
 * runners' clocks may disagree) and scans the watched tasks for new statuses, results and
 * errors. Events are not evaluated here: each emitted event is an invocation of the app's
 * event task, run and recovered like any other. Every match is fired through the firer, whose
 * deterministic ids make a repeated evaluation harmless.
 */
export class TriggerService {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private current: Promise<void> = Promise.resolve();
  private held = false;
  private nextLeaseTry = 0;
  private clockOffset = 0;
  private clockCheckedAt = 0;
  private readonly processed = new Set<string>();
  private readonly cursors = new Map<string, Cursor>();
  private readonly nextTick = new Map<string, number>();
  private lastError = 0;

  constructor(
    private readonly deps: {
      registry: TriggerRegistry;
      firer: TriggerFirer;
      orchestrator: Orchestrator;
      stateBackend: StateBackend;
      runnerId: string;
      logger: Logger;
    },
  ) {}

  start(): void {
    const { registry } = this.deps;
    if (registry.crons().length === 0 && registry.bySource().size === 0) return;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.loop().finally(() => this.schedule(LOOP_MS));
    }, ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
    if (this.held) await this.deps.orchestrator.releaseLease(LEASE, this.deps.runnerId).catch(() => {});
    this.held = false;
  }

  private async loop(): Promise<void> {
    try {
      const local = Date.now();
      if (local >= this.nextLeaseTry) {
        const had = this.held;
        this.held = await this.deps.orchestrator.acquireLease(LEASE, this.deps.runnerId, LEASE_MS);
        this.nextLeaseTry = local + 1000;
        if (this.held && !had) this.onLeaseTaken();
      }
      if (!this.held) return;
      const now = await this.backendNow();
      await this.evaluateCrons(now);
      await this.scanSources(now);
    } catch (err) {
      if (Date.now() - this.lastError > 10_000) {
        this.lastError = Date.now();
        this.deps.logger.warn(
          { component: "triggers", err: coerceError(err).message },
          `trigger evaluation failed (retried): ${coerceError(err).message}`,
        );
      }
    }
  }

  /** What another holder wrote meanwhile is read again. */
  private onLeaseTaken(): void {
    this.cursors.clear();
    this.nextTick.clear();
    this.clockCheckedAt = 0;
  }

  /** The backend's clock, from an offset measured every few seconds. */
  private async backendNow(): Promise<number> {
    const local = Date.now();
    if (local - this.clockCheckedAt > 5000) {
      const before = Date.now();
      const remote = await this.deps.orchestrator.backendNow();
      const after = Date.now();
      // Whole milliseconds: times compared with the backend's are integers there.
      this.clockOffset = Math.round(remote - (before + after) / 2);
      this.clockCheckedAt = after;
    }
    return Date.now() + this.clockOffset;
  }

  private async evaluateCrons(now: number): Promise<void> {
    const { orchestrator, firer } = this.deps;
    for (const ref of this.deps.registry.crons()) {
      if (ref.spec.kind !== "cron") continue;
      const key = `cron:${ref.trigger.id}:${ref.index}`;
      const due = this.nextTick.get(key);
      if (due !== undefined && due > now) continue;
      const state = (await orchestrator.getTriggerStates([key])).get(key);
      const last = state ? Number(state.value) : Number.NaN;
      if (!state || !Number.isFinite(last)) {
        // First sight of this trigger: its schedule starts now (nothing before is "missed").
        await orchestrator.setTriggerState(key, String(now), state?.version ?? 0);
        this.nextTick.set(key, ref.spec.schedule.nextRun(new Date(now))?.getTime() ?? Number.POSITIVE_INFINITY);
        continue;
      }
      const ticks: number[] = [];
      for (let t = ref.spec.schedule.nextRun(new Date(last)); t && t.getTime() <= now; ) {
        ticks.push(t.getTime());
        if (ticks.length >= MAX_TICKS) break;
        t = ref.spec.schedule.nextRun(t);
      }
      const latest = ticks.at(-1);
      if (latest !== undefined) {
        const fire = ref.spec.catchUp ? ticks : ticks.filter((t) => t > now - GRACE_MS);
        if (fire.length < ticks.length) {
          this.deps.logger.info(
            { component: "triggers", trigger: ref.trigger.id },
            `trigger ${ref.trigger.id}: ${ticks.length - fire.length} tick(s) missed while no runner was up were skipped (catchUp: false)`,
          );
        }
        for (const tick of fire) {
          await firer.matched(ref, `tick:${tick}`, { kind: "cron", tick: new Date(tick) }, { tick });
        }
        // Moved on after firing: a crash before this write fires the same ticks again (no-ops).
        await orchestrator.setTriggerState(key, String(latest), state.version);
      }
      const from = Math.max(latest ?? last, last);
      this.nextTick.set(key, ref.spec.schedule.nextRun(new Date(from))?.getTime() ?? Number.POSITIVE_INFINITY);
    }
  }

  private async scanSources(now: number): Promise<void> {
    for (const [source, refs] of this.deps.registry.bySource()) await this.scanSource(source, refs, now);
  }

  private async scanSource(source: string, refs: ConditionRef[], now: number): Promise<void> {
    const { orchestrator } = this.deps;
    const key = `scan:${source}`;
    let cursor = this.cursors.get(key);
    if (!cursor) {
      const state = (await orchestrator.getTriggerStates([key])).get(key);
      const at = state ? Number(state.value) : Number.NaN;
      cursor = {
        at: Number.isFinite(at) ? at : now - FIRST_SCAN_MS,
        version: state?.version ?? 0,
        savedAt: 0,
        dirty: !state,
      };
      this.cursors.set(key, cursor);
    }
    const statuses = [...new Set(refs.flatMap((r) => watchedStatuses(r)))];
    const found = await orchestrator.find({
      taskId: source,
      statuses,
      updatedAfter: cursor.at - OVERLAP_MS,
      order: "asc",
      limit: SCAN_LIMIT,
    });
    let stalled = false;
    for (const rec of found) {
      const seen = `${rec.id}:${rec.status}`;
      if (this.processed.has(seen)) continue;
      let retry = false;
      for (const ref of refs) {
        if (!watchedStatuses(ref).includes(rec.status)) continue;
        try {
          const input = await this.inputFor(ref, rec);
          if (input) await this.deps.firer.matched(ref, `src:${rec.id}:${rec.status}`, input, { sourceId: rec.id });
        } catch (err) {
          // One bad condition (a throwing filter, unserializable args) does not stop the others.
          // A backend failure is tried again on the next loop (firing twice is a no-op).
          if (!(err instanceof TriggerDefinitionError)) retry = true;
          this.deps.logger.error(
            { component: "triggers", trigger: ref.trigger.id, invocation: rec.id, err: coerceError(err).message },
            `trigger ${ref.trigger.id} on ${rec.id}: ${coerceError(err).message}${retry ? " (tried again)" : ""}`,
          );
        }
      }
      if (retry) {
        // The cursor stays at or before this record (asc order), so the next scan returns it again.
        stalled = true;
        break;
      }
      this.processed.add(seen);
      if (this.processed.size > 50_000) this.processed.delete(this.processed.values().next().value as string);
      if (rec.updatedAt > cursor.at) {
        cursor.at = rec.updatedAt;
        cursor.dirty = true;
      }
    }
    // A full page moves the cursor past its overlap, so a busy source cannot stall the scan.
    if (found.length === SCAN_LIMIT && !stalled) cursor.at += OVERLAP_MS;
    if (cursor.dirty && Date.now() - cursor.savedAt > 1000) {
      if (await orchestrator.setTriggerState(key, String(cursor.at), cursor.version)) cursor.version += 1;
      else this.cursors.delete(key); // another holder wrote it: read it again
      cursor.savedAt = Date.now();
      cursor.dirty = false;
    }
  }

  private async inputFor(ref: ConditionRef, rec: StatusRecord): Promise<ConditionInput | null> {
    const source: SourceInvocation = { id: rec.id, taskId: rec.taskId, status: rec.status };
    if (ref.spec.kind === "status") return { kind: "status", source };
    const outcome = await this.deps.orchestrator.getOutcome(rec.id);
    if (ref.spec.kind === "result" && outcome?.kind === "result") {
      const text = await resolveValue(this.deps.stateBackend, outcome.value);
      return { kind: "result", result: decode(text), source };
    }
    if (ref.spec.kind === "error" && outcome?.kind === "error") {
      return { kind: "error", error: restoreError(outcome.error), source };
    }
    return null;
  }
}

function watchedStatuses(ref: ConditionRef): readonly Status[] {
  switch (ref.spec.kind) {
    case "status":
      return ref.spec.statuses;
    case "result":
      return ["SUCCESS"];
    case "error":
      return ["FAILED"];
    default:
      return [];
  }
}
