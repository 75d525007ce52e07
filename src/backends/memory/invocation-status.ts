import { blockedNote, blockedStatus, controlledOutcome, duplicateNote, wokenNote } from "../../core/concurrency.js";
import type {
  HistoryEntry,
  InvocationFilter,
  InvocationStatusStore,
  NewInvocation,
  Outcome,
  RegisterResult,
  SettledRecord,
  StatusCount,
  StatusRecord,
  TransitionRequest,
  TransitionResult,
} from "../../core/contract/index.js";
import { decideTransition, SLOT_HOLDING_STATUSES } from "../../core/status.js";
import { applyChained, landed } from "../../core/transition-chain.js";
import { findOrder } from "../find-order.js";
import { readSettled } from "../settled.js";
import { oldestWaiter, registrationHolder, slotHolders } from "./concurrency.js";
import type { MemoryStore } from "./store.js";

/** Invocation statuses, history and outcomes in process memory; same rules as every engine. */
export class MemInvocationStatus implements InvocationStatusStore {
  constructor(private readonly store: MemoryStore) {}

  async register(invocations: readonly NewInvocation[]): Promise<RegisterResult[]> {
    const out: RegisterResult[] = [];
    for (const inv of invocations) {
      if (this.store.statuses.has(inv.id)) {
        out.push({ id: inv.id, existingId: null });
        continue;
      }
      const c = inv.concurrency;
      const existingId = c?.registrationScope ? registrationHolder(this.store, c.registrationScope) : null;
      this.store.statuses.set(inv.id, {
        id: inv.id,
        taskId: inv.taskId,
        status: "REGISTERED",
        ownerId: null,
        token: 0,
        retries: 0,
        attempts: 0,
        updatedAt: inv.createdAt,
        runningScope: c?.runningScope ?? null,
        registrationScope: c?.registrationScope ?? null,
      });
      if (c) this.store.concurrency.set(inv.id, c);
      this.store.history.set(inv.id, [
        {
          invocationId: inv.id,
          seq: 1,
          status: "REGISTERED",
          ownerId: null,
          token: 0,
          actorId: null,
          at: inv.createdAt,
          note: null,
        },
      ]);
      if (existingId !== null && c?.registrationScope) {
        this.applyOne({
          id: inv.id,
          to: "CONCURRENCY_CONTROLLED_FINAL",
          runnerId: null,
          note: duplicateNote(existingId),
          outcome: controlledOutcome(inv.id, c.registrationScope, `a duplicate of ${existingId}`),
        });
      }
      out.push({ id: inv.id, existingId });
    }
    this.store.events.emit("change");
    return out;
  }

  async transition(requests: readonly TransitionRequest[]): Promise<TransitionResult[]> {
    const results = requests.map((req) => applyChained(req, (r) => this.applyOne(r)));
    this.store.events.emit("change");
    return results;
  }

  /** One transition with running concurrency: a claim of a full scope is diverted; a freed slot wakes a waiter. */
  private applyOne(asked: TransitionRequest): TransitionResult {
    const row = this.store.statuses.get(asked.id);
    if (!row) return { ok: false, id: asked.id, reason: "not-found", current: null };
    let req = asked;
    const c = this.store.concurrency.get(asked.id);
    if (asked.to === "PENDING" && c?.runningScope && decideTransition(row, asked).ok) {
      if (slotHolders(this.store, c.runningScope, asked.id) >= c.runningLimit) {
        const to = blockedStatus(c);
        const note = blockedNote(c.runningScope, c.runningLimit);
        const outcome =
          to === "CONCURRENCY_CONTROLLED_FINAL" ? controlledOutcome(asked.id, c.runningScope, note) : undefined;
        req = { id: asked.id, to, runnerId: asked.runnerId, note, outcome };
      }
    }
    const from = row.status;
    const result = this.write(row, req);
    if (!result.ok || !c?.runningScope) return result;
    if (SLOT_HOLDING_STATUSES.includes(from) && !SLOT_HOLDING_STATUSES.includes(result.to)) {
      const waiter = oldestWaiter(this.store, c.runningScope);
      const waiterRow = waiter === null ? undefined : this.store.statuses.get(waiter);
      if (waiter !== null && waiterRow) {
        this.write(waiterRow, { id: waiter, to: "REROUTED", runnerId: asked.runnerId, note: wokenNote(asked.id) });
        return { ...result, woken: [waiter] };
      }
    }
    return result;
  }

  private write(row: StatusRecord, req: TransitionRequest): TransitionResult {
    const decision = decideTransition(row, req);
    if (!decision.ok) return { ok: false, id: req.id, reason: decision.reason, current: row.status };
    const from = row.status;
    const at = Date.now();
    Object.assign(row, decision.next, {
      updatedAt: at,
      retries: row.retries + (req.countRetry ? 1 : 0),
    });
    if (req.to === "RUNNING") row.attempts++;
    if (req.to === "CONCURRENCY_CONTROLLED") this.store.waitSeq.set(req.id, ++this.store.nextWaitSeq);
    const hist = this.store.history.get(req.id) ?? [];
    hist.push({
      invocationId: req.id,
      seq: hist.length + 1,
      status: row.status,
      ownerId: row.ownerId,
      token: row.token,
      actorId: req.runnerId,
      at,
      note: req.note ?? null,
    });
    this.store.history.set(req.id, hist);
    if (req.outcome) this.store.outcomes.set(req.id, req.outcome);
    return landed(from, row);
  }

  async getStatuses(ids: readonly string[]): Promise<Map<string, StatusRecord>> {
    const out = new Map<string, StatusRecord>();
    for (const id of ids) {
      const row = this.store.statuses.get(id);
      if (row) out.set(id, { ...row });
    }
    return out;
  }

  getSettled(ids: readonly string[]): Promise<Map<string, SettledRecord>> {
    return readSettled(this, ids);
  }

  async find(filter: InvocationFilter): Promise<StatusRecord[]> {
    const out: StatusRecord[] = [];
    for (const row of this.store.statuses.values()) {
      if (filter.statuses && !filter.statuses.includes(row.status)) continue;
      if (filter.taskId !== undefined && row.taskId !== filter.taskId) continue;
      if (filter.ownerId !== undefined && row.ownerId !== filter.ownerId) continue;
      if (filter.updatedBefore !== undefined && row.updatedAt >= filter.updatedBefore) continue;
      if (filter.updatedAfter !== undefined && row.updatedAt < filter.updatedAfter) continue;
      out.push({ ...row });
    }
    out.sort(findOrder(filter.order));
    const offset = filter.offset ?? 0;
    return out.slice(offset, filter.limit === undefined ? undefined : offset + filter.limit);
  }

  async countByStatus(): Promise<StatusCount[]> {
    const counts = new Map<string, StatusCount>();
    for (const row of this.store.statuses.values()) {
      const k = `${row.taskId}\u0000${row.status}`;
      const c = counts.get(k) ?? { taskId: row.taskId, status: row.status, count: 0 };
      c.count++;
      counts.set(k, c);
    }
    return [...counts.values()];
  }

  async historyBetween(from: number, to: number, limit: number): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = [];
    for (const hist of this.store.history.values()) {
      for (const h of hist) if (h.at >= from && h.at < to) out.push({ ...h });
    }
    return out.sort((a, b) => a.at - b.at || a.seq - b.seq).slice(0, limit);
  }

  async getOutcome(id: string): Promise<Outcome | null> {
    return this.store.outcomes.get(id) ?? null;
  }

  async history(id: string): Promise<HistoryEntry[]> {
    return (this.store.history.get(id) ?? []).map((h) => ({ ...h }));
  }
}
