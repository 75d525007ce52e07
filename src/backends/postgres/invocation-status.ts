import { Batcher } from "../../core/batcher.js";
import {
  blockedNote,
  blockedStatus,
  controlledOutcome,
  duplicateNote,
  NO_SCOPES,
  wokenNote,
} from "../../core/concurrency.js";
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
import {
  decideTransition,
  FINAL_STATUSES,
  isStatus,
  SLOT_HOLDING_STATUSES,
  STATUS_TABLE,
  type Status,
} from "../../core/status.js";
import { chainedResult, followUpOf, landed } from "../../core/transition-chain.js";
import { CorruptRecordError } from "../../errors/index.js";
import { outcomeText } from "../outcome-text.js";
import { settled } from "../settled.js";
import { toHistoryEntry, toOutcome, toStatusRecord } from "../sql-rows.js";
import { type CasParams, casParams, casStatement, casValues } from "./cas-statement.js";
import type { PostgresHandle, Queryable } from "./pool.js";

type Row = Record<string, unknown>;

interface Locked {
  rec: StatusRecord;
  historyLen: number;
  /** Running concurrency: slots per scope, and whether a blocked claim waits (else it ends). */
  limit: number;
  reroute: boolean;
}

/**
 * Invocation statuses, history and outcomes. A batch of transitions is one transaction: lock
 * every row it touches (`FOR UPDATE`, in id order so two batches cannot deadlock), decide each
 * request with the shared `decideTransition`, then a conditional UPDATE (status and token
 * unchanged) that inserts its history row in the same statement, and the outcome of a final
 * status. Times come from the database's clock.
 */
export class PostgresInvocationStatus implements InvocationStatusStore {
  private readonly sql: ReturnType<typeof statusSql>;

  private readonly outcomeReads = new Batcher<string, Outcome | null | Error>((ids) => this.readOutcomes(ids));

  constructor(private readonly h: PostgresHandle) {
    this.sql = statusSql(h.s, h.channels.settled);
  }

  async register(invocations: readonly NewInvocation[]): Promise<RegisterResult[]> {
    if (invocations.length === 0) return [];
    const plain = invocations.filter((i) => !i.concurrency);
    const scoped = invocations.filter((i) => i.concurrency);
    const plainArgs = [plain.map((i) => i.id), plain.map((i) => i.taskId)];
    if (scoped.length === 0) {
      await this.h.query("register", this.sql.register, plainArgs);
      return invocations.map((i) => ({ id: i.id, existingId: null }));
    }
    const existing = new Map<string, string | null>();
    await this.h.tx("register", async (q) => {
      existing.clear();
      // One transaction per registration scope at a time: the check for a holder and the
      // insert are atomic. The whole batch is one transaction.
      const regScopes = [...new Set(scoped.flatMap((i) => i.concurrency?.registrationScope ?? []))].sort();
      for (const scope of regScopes) await q.query(this.sql.advisoryLock, [`${this.h.s}:reg:${scope}`]);
      if (plain.length > 0) await q.query(this.sql.register, plainArgs);
      for (const inv of scoped) existing.set(inv.id, await this.registerScoped(q, inv));
    });
    return invocations.map((i) => ({ id: i.id, existingId: existing.get(i.id) ?? null }));
  }

  /** Insert one invocation with scopes; a duplicate of a registration scope's holder ends CONCURRENCY_CONTROLLED_FINAL. */
  private async registerScoped(q: Queryable, inv: NewInvocation): Promise<string | null> {
    const c = inv.concurrency ?? NO_SCOPES;
    const holderOf = async (scope: string) =>
      (await q.query<Row>(this.sql.registrationHolder, [scope, FINAL_STATUSES, inv.id])).rows[0]?.id;
    const holder = c.registrationScope ? await holderOf(c.registrationScope) : undefined;
    const inserted = await q.query<Row>(this.sql.registerOne, [
      inv.id,
      inv.taskId,
      c.runningScope,
      c.runningLimit,
      c.rerouteWhenBlocked,
      c.registrationScope,
    ]);
    if (inserted.rows.length === 0) {
      // A retried transaction whose first COMMIT landed: report what it decided then.
      const [row] = (await q.query<Row>(this.sql.getMany, [[inv.id]])).rows;
      if (row?.status !== "CONCURRENCY_CONTROLLED_FINAL" || !c.registrationScope) return null;
      const earlier = await holderOf(c.registrationScope);
      return earlier === undefined ? null : String(earlier);
    }
    if (holder === undefined || !c.registrationScope) return null;
    const holderId = String(holder);
    await q.query(this.sql.update, [
      inv.id,
      "REGISTERED",
      0,
      "CONCURRENCY_CONTROLLED_FINAL",
      null,
      0,
      0,
      null,
      duplicateNote(holderId),
    ]);
    const { error } = controlledOutcome(inv.id, c.registrationScope, `a duplicate of ${holderId}`);
    await q.query(this.sql.saveOutcome, [inv.id, "error", JSON.stringify(error)]);
    return holderId;
  }

  /**
   * Plain requests on distinct invocations go as one compare-and-set statement (cas-statement.ts):
   * one round trip, no prior read. What it did not write (refused, an invocation with a running
   * scope, or written by an earlier attempt of a retried statement) goes through the locking
   * transaction, which decides it and says why.
   */
  async transition(requests: readonly TransitionRequest[]): Promise<TransitionResult[]> {
    if (requests.length === 0) return [];
    const params = requests.map(casParams);
    const expressible = params.filter((p): p is CasParams => p !== null);
    if (expressible.length < requests.length || new Set(requests.map((r) => r.id)).size < requests.length) {
      return this.lockedTransition(requests, false);
    }
    const { rows, retried } = await this.h.queryTracked<Row>(
      "transition",
      this.sql.cas,
      casValues(requests, expressible),
    );
    const written = new Map(rows.map((r) => [String(r.id), r]));
    const out: Array<TransitionResult | undefined> = requests.map((req) => {
      const row = written.get(req.id);
      if (!row) return undefined;
      return landed(statusOf(row.from_status), toStatusRecord(row));
    });
    const missing = requests.flatMap((_, i) => (out[i] === undefined ? [i] : []));
    if (missing.length > 0) {
      const decided = await this.lockedTransition(
        missing.map((i) => requests[i] as TransitionRequest),
        retried,
      );
      missing.forEach((i, k) => {
        out[i] = decided[k];
      });
    }
    return out as TransitionResult[];
  }

  /** The locking transaction: every row the batch touches locked, each request decided in order. */
  private async lockedTransition(
    requests: readonly TransitionRequest[],
    retried: boolean,
  ): Promise<TransitionResult[]> {
    const ids = [...new Set(requests.map((r) => r.id))].sort();
    return this.h.tx("transition", async (q, attempt) => {
      const { rows } = await q.query<Row>(this.sql.lockRows, [ids]);
      const state = new Map<string, Locked>(
        rows.map((r) => [
          String(r.id),
          {
            rec: toStatusRecord(r),
            historyLen: Number(r.history_len),
            limit: Number(r.run_limit),
            reroute: r.run_reroute === true,
          },
        ]),
      );
      // Every running scope the batch touches is locked (in order: no deadlock between batches)
      // before any count of its holders, so claims and releases of a scope are serialized.
      const runScopes = [
        ...new Set(rows.flatMap((r) => (typeof r.run_scope === "string" ? [r.run_scope] : []))),
      ].sort();
      for (const scope of runScopes) await q.query(this.sql.advisoryLock, [`${this.h.s}:run:${scope}`]);
      const recheck = attempt > 0 || retried;
      const out: TransitionResult[] = new Array(requests.length);
      // Requests on plain invocations (no running scope) are decided here and written together,
      // one statement per run of distinct ids; the rest go one by one (applyOne).
      let bulk: BulkWrite[] = [];
      const inBulk = new Set<string>();
      const flush = async () => {
        if (bulk.length > 0) await this.writeBulk(q, bulk, state, out);
        bulk = [];
        inBulk.clear();
      };
      for (const [index, req] of requests.entries()) {
        if (inBulk.has(req.id)) await flush();
        const cur = state.get(req.id);
        if (!cur || cur.rec.runningScope !== null) {
          await flush();
          const first = await this.applyOne(q, req, state, recheck);
          const next = followUpOf(req, first);
          out[index] = chainedResult(first, next ? await this.applyOne(q, next, state, false) : null);
          continue;
        }
        const planned = planBulk(index, req, cur);
        if (planned) {
          bulk.push(planned);
          inBulk.add(req.id);
          continue;
        }
        const refusal = decideTransition(cur.rec, req);
        const reason = refusal.ok ? "status-changed" : refusal.reason;
        await flush();
        const earlier = recheck ? await this.appliedEarlier(q, req, cur) : null;
        out[index] = earlier ?? { ok: false, id: req.id, reason, current: cur.rec.status };
      }
      await flush();
      return out;
    });
  }

  /** Write planned transitions (one or two steps each) as one statement: status rows, history rows, outcomes. */
  private async writeBulk(
    q: Queryable,
    bulk: readonly BulkWrite[],
    state: Map<string, Locked>,
    out: TransitionResult[],
  ): Promise<void> {
    const history = bulk.flatMap((b) =>
      b.steps.map((step, i) => ({ id: b.req.id, back: b.steps.length - 1 - i, actor: b.req.runnerId, ...step })),
    );
    const last = (b: BulkWrite) => b.steps[b.steps.length - 1] as BulkStep;
    const { rows } = await q.query<Row>(this.sql.bulkUpdate, [
      bulk.map((b) => b.req.id),
      bulk.map((b) => b.cur.rec.status),
      bulk.map((b) => b.cur.rec.token),
      bulk.map((b) => last(b).status),
      bulk.map((b) => last(b).ownerId),
      bulk.map((b) => last(b).token),
      bulk.map((b) => (b.req.countRetry ? 1 : 0)),
      bulk.map((b) => b.steps.filter((st) => st.status === "RUNNING").length),
      bulk.map((b) => b.steps.length),
      bulk.map((b) => b.req.outcome?.kind ?? null),
      bulk.map((b) => (b.req.outcome ? outcomeText(b.req.outcome) : null)),
      history.map((h) => h.id),
      history.map((h) => h.back),
      history.map((h) => h.status),
      history.map((h) => h.ownerId),
      history.map((h) => h.token),
      history.map((h) => h.actor),
      history.map((h) => h.note),
    ]);
    const written = new Map(rows.map((r) => [String(r.id), r]));
    for (const b of bulk) {
      const row = written.get(b.req.id);
      if (!row) {
        out[b.index] = { ok: false, id: b.req.id, reason: "status-changed", current: b.cur.rec.status };
        continue;
      }
      const rec = toStatusRecord(row);
      state.set(b.req.id, { ...b.cur, rec, historyLen: Number(row.history_len) });
      out[b.index] = landed(b.cur.rec.status, rec);
    }
  }

  /**
   * One transition, with running concurrency (the scope's advisory lock is held): a claim
   * (→ PENDING) of a full scope is diverted; one that frees a slot wakes the oldest waiter.
   */
  private async applyOne(
    q: Queryable,
    asked: TransitionRequest,
    state: Map<string, Locked>,
    recheck: boolean,
  ): Promise<TransitionResult> {
    const cur = state.get(asked.id);
    const scope = cur?.rec.runningScope ?? null;
    let req = asked;
    if (cur && scope !== null && asked.to === "PENDING" && decideTransition(cur.rec, asked).ok) {
      const [row] = (await q.query<Row>(this.sql.slotHolders, [scope, SLOT_HOLDING_STATUSES, asked.id])).rows;
      if (Number(row?.n) >= cur.limit) {
        const to = blockedStatus({ ...NO_SCOPES, rerouteWhenBlocked: cur.reroute });
        const note = blockedNote(scope, cur.limit);
        const outcome = to === "CONCURRENCY_CONTROLLED_FINAL" ? controlledOutcome(asked.id, scope, note) : undefined;
        req = { id: asked.id, to, runnerId: asked.runnerId, note, outcome };
      }
    }
    const result = await this.write(q, req, state, recheck);
    if (!result.ok || scope === null) return result;
    if (SLOT_HOLDING_STATUSES.includes(result.from) && !SLOT_HOLDING_STATUSES.includes(result.to)) {
      // A waiter locked by another transaction is being changed there (cancelled, or woken): skip it.
      const [w] = (await q.query<Row>(this.sql.oldestWaiter, [scope])).rows;
      if (w) {
        const id = String(w.id);
        state.set(id, { rec: toStatusRecord(w), historyLen: Number(w.history_len), limit: 0, reroute: false });
        const woke = await this.write(
          q,
          { id, to: "REROUTED", runnerId: asked.runnerId, note: wokenNote(asked.id) },
          state,
          false,
        );
        if (woke.ok) return { ...result, woken: [id] };
      }
    }
    return result;
  }

  private async write(
    q: Queryable,
    req: TransitionRequest,
    state: Map<string, Locked>,
    recheck: boolean,
  ): Promise<TransitionResult> {
    const cur = state.get(req.id);
    if (!cur) return { ok: false, id: req.id, reason: "not-found", current: null };
    const decision = decideTransition(cur.rec, req);
    if (!decision.ok) {
      const earlier = recheck ? await this.appliedEarlier(q, req, cur) : null;
      return earlier ?? { ok: false, id: req.id, reason: decision.reason, current: cur.rec.status };
    }
    const { next } = decision;
    const rows = await q.query<Row>(this.sql.update, [
      req.id,
      cur.rec.status,
      cur.rec.token,
      next.status,
      next.ownerId,
      next.token,
      req.countRetry ? 1 : 0,
      req.runnerId,
      req.note ?? null,
    ]);
    const row = rows.rows[0];
    if (!row) return { ok: false, id: req.id, reason: "status-changed", current: cur.rec.status };
    if (next.status === "CONCURRENCY_CONTROLLED") await q.query(this.sql.queueWaiter, [cur.rec.runningScope, req.id]);
    if (req.outcome) {
      await q.query(this.sql.saveOutcome, [req.id, req.outcome.kind, outcomeText(req.outcome)]);
    }
    const rec = toStatusRecord(row);
    state.set(req.id, { ...cur, rec, historyLen: Number(row.history_len) });
    return landed(cur.rec.status, rec);
  }

  /**
   * After a retried transaction (the previous COMMIT may have landed before the connection
   * dropped): is the latest history row exactly this request's write? Then report it applied.
   */
  private async appliedEarlier(q: Queryable, req: TransitionRequest, cur: Locked): Promise<TransitionResult | null> {
    if (cur.rec.status !== req.to) return null;
    const rows = (await q.query<Row>(this.sql.lastTwo, [req.id, cur.historyLen - 1])).rows.map(toHistoryEntry);
    const last = rows.at(-1);
    const prev = rows.length === 2 ? rows[0] : undefined;
    if (!last || !prev || last.status !== req.to || last.actorId !== req.runnerId || last.note !== (req.note ?? null)) {
      return null;
    }
    const effect = STATUS_TABLE[req.to].onEnter;
    const mine =
      effect === "acquire" || effect === "override"
        ? last.ownerId === req.runnerId
        : req.token === undefined || last.token === req.token;
    if (!mine) return null;
    return {
      ok: true,
      id: req.id,
      from: prev.status,
      to: req.to,
      token: cur.rec.token,
      ownerId: cur.rec.ownerId,
      retries: cur.rec.retries,
      attempts: cur.rec.attempts,
    };
  }

  async getStatuses(ids: readonly string[]): Promise<Map<string, StatusRecord>> {
    const out = new Map<string, StatusRecord>();
    if (ids.length === 0) return out;
    for (const row of await this.h.query<Row>("getStatuses", this.sql.getMany, [[...ids]])) {
      const rec = toStatusRecord(row);
      out.set(rec.id, rec);
    }
    return out;
  }

  /** One query: the status rows joined with their outcomes. */
  async getSettled(ids: readonly string[]): Promise<Map<string, SettledRecord>> {
    const out = new Map<string, SettledRecord>();
    if (ids.length === 0) return out;
    for (const row of await this.h.query<Row>("getSettled", this.sql.getSettled, [[...ids]])) {
      const record = toStatusRecord(row);
      out.set(
        record.id,
        settled(record, () =>
          row.outcome_kind === null ? null : toOutcome(record.id, { kind: row.outcome_kind, value: row.outcome_value }),
        ),
      );
    }
    return out;
  }

  async find(filter: InvocationFilter): Promise<StatusRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (cond: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(cond(`$${params.length}`));
    };
    if (filter.statuses) add((n) => `status = ANY(${n}::text[])`, [...filter.statuses]);
    if (filter.taskId !== undefined) add((n) => `task_id = ${n}`, filter.taskId);
    if (filter.ownerId !== undefined) add((n) => `owner_id = ${n}`, filter.ownerId);
    // Times are whole milliseconds here (bigint), and a bound from a caller's clock arithmetic
    // may not be: for whole t, t < x and t >= x hold exactly when t < ceil(x) and t >= ceil(x).
    if (filter.updatedBefore !== undefined) add((n) => `updated_at < ${n}`, Math.ceil(filter.updatedBefore));
    if (filter.updatedAfter !== undefined) add((n) => `updated_at >= ${n}`, Math.ceil(filter.updatedAfter));
    params.push(filter.limit ?? null, filter.offset ?? 0);
    const dir = filter.order === "desc" ? "DESC" : "ASC";
    const text =
      `SELECT * FROM ${this.h.s}.status${where.length ? ` WHERE ${where.join(" AND ")}` : ""}` +
      ` ORDER BY updated_at ${dir}, id ${dir}` +
      ` LIMIT $${params.length - 1} OFFSET $${params.length}`;
    return (await this.h.query<Row>("find", text, params)).map(toStatusRecord);
  }

  async countByStatus(): Promise<StatusCount[]> {
    const rows = await this.h.query<{ task_id: string; status: string; n: number }>("countByStatus", this.sql.counts);
    return rows
      .filter((r) => isStatus(r.status))
      .map((r) => ({ taskId: r.task_id, status: r.status as Status, count: r.n }));
  }

  async historyBetween(from: number, to: number, limit: number): Promise<HistoryEntry[]> {
    // at >= from and at < to on whole milliseconds (see find).
    const bounds = [Math.ceil(from), Math.ceil(to), limit];
    return (await this.h.query<Row>("historyBetween", this.sql.historyBetween, bounds)).map(toHistoryEntry);
  }

  /** Outcomes asked for in the same turn (many callers awaiting results) are read in one query. */
  async getOutcome(id: string): Promise<Outcome | null> {
    const read = await this.outcomeReads.submit(id);
    if (read instanceof Error) throw read; // a corrupt row fails its own reader only
    return read;
  }

  private async readOutcomes(ids: readonly string[]): Promise<Array<Outcome | null | Error>> {
    const rows = await this.h.query<Row>("getOutcome", this.sql.getOutcomes, [[...new Set(ids)]]);
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    return ids.map((id) => {
      const row = byId.get(id);
      try {
        return row ? toOutcome(id, row) : null;
      } catch (err) {
        return err as Error;
      }
    });
  }

  async history(id: string): Promise<HistoryEntry[]> {
    return (await this.h.query<Row>("history", this.sql.history, [id])).map(toHistoryEntry);
  }
}

interface BulkStep {
  status: Status;
  ownerId: string | null;
  token: number;
  note: string | null;
}

/** A plain invocation's transition decided in memory (rows locked), written with others in one statement. */
interface BulkWrite {
  index: number;
  req: TransitionRequest;
  cur: Locked;
  /** The transition and, with `andThen`, its follow-up: one history row each. */
  steps: BulkStep[];
}

/** Decide a request (and its follow-up) against the locked row; null when the request is refused. */
function planBulk(index: number, req: TransitionRequest, cur: Locked): BulkWrite | null {
  const first = decideTransition(cur.rec, req);
  if (!first.ok) return null;
  const steps: BulkStep[] = [{ ...first.next, note: req.note ?? null }];
  if (req.andThen) {
    const follow = { id: req.id, to: req.andThen, runnerId: req.runnerId, token: first.next.token };
    const second = decideTransition({ ...cur.rec, ...first.next }, follow);
    if (second.ok) steps.push({ ...second.next, note: req.note ?? null });
  }
  return { index, req, cur, steps };
}

function statusOf(v: unknown): Status {
  if (!isStatus(v)) throw new CorruptRecordError(`A transition read back the unknown status ${JSON.stringify(v)}.`);
  return v;
}

function statusSql(s: string, settledChannel: string) {
  const now = `${s}.now_ms()`;
  return {
    advisoryLock: "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))",
    registrationHolder: `SELECT id FROM ${s}.status WHERE reg_scope = $1 AND status <> ALL($2::text[]) AND id <> $3 LIMIT 1`,
    registerOne: `WITH ins AS (
        INSERT INTO ${s}.status (id, task_id, status, owner_id, token, retries, updated_at, history_len, run_scope, run_limit, run_reroute, reg_scope)
        VALUES ($1, $2, 'REGISTERED', NULL, 0, 0, ${now}, 1, $3, $4, $5, $6)
        ON CONFLICT (id) DO NOTHING RETURNING id, updated_at)
      INSERT INTO ${s}.history (invocation_id, seq, status, owner_id, token, actor_id, at, note)
      SELECT id, 1, 'REGISTERED', NULL, 0, NULL, updated_at, NULL FROM ins RETURNING invocation_id`,
    slotHolders: `SELECT count(*)::int AS n FROM ${s}.status WHERE run_scope = $1 AND status = ANY($2::text[]) AND id <> $3`,
    oldestWaiter: `SELECT * FROM ${s}.status WHERE run_scope = $1 AND status = 'CONCURRENCY_CONTROLLED'
      ORDER BY wait_seq LIMIT 1 FOR UPDATE SKIP LOCKED`,
    queueWaiter: `UPDATE ${s}.status SET wait_seq = (SELECT coalesce(max(wait_seq), 0) + 1 FROM ${s}.status WHERE run_scope = $1) WHERE id = $2`,
    register: `WITH ins AS (
        INSERT INTO ${s}.status (id, task_id, status, owner_id, token, retries, updated_at, history_len)
        SELECT id, task_id, 'REGISTERED', NULL, 0, 0, ${now}, 1 FROM unnest($1::text[], $2::text[]) AS t(id, task_id)
        ON CONFLICT (id) DO NOTHING RETURNING id, updated_at)
      INSERT INTO ${s}.history (invocation_id, seq, status, owner_id, token, actor_id, at, note)
      SELECT id, 1, 'REGISTERED', NULL, 0, NULL, updated_at, NULL FROM ins`,
    lockRows: `SELECT * FROM ${s}.status WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    update: `WITH u AS (
        UPDATE ${s}.status SET status = $4, owner_id = $5, token = $6, retries = retries + $7, attempts = attempts + (CASE WHEN $4 = 'RUNNING' THEN 1 ELSE 0 END),
          updated_at = ${now}, history_len = history_len + 1
        WHERE id = $1 AND status = $2 AND token = $3 RETURNING *),
      h AS (INSERT INTO ${s}.history (invocation_id, seq, status, owner_id, token, actor_id, at, note)
        SELECT id, history_len, status, owner_id, token, $8, updated_at, $9 FROM u)
      SELECT * FROM u`,
    cas: casStatement(s, now, settledChannel),
    bulkUpdate: `WITH v AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[],
          $9::int[], $10::text[], $11::text[])
          AS v(id, from_status, from_token, to_status, owner_id, token, add_retries, add_attempts, steps, outcome_kind, outcome_value)),
      u AS (
        UPDATE ${s}.status st SET status = v.to_status, owner_id = v.owner_id, token = v.token,
          retries = st.retries + v.add_retries, attempts = st.attempts + v.add_attempts,
          updated_at = ${now}, history_len = st.history_len + v.steps
        FROM v WHERE st.id = v.id AND st.status = v.from_status AND st.token = v.from_token
        RETURNING st.*),
      h AS (INSERT INTO ${s}.history (invocation_id, seq, status, owner_id, token, actor_id, at, note)
        SELECT u.id, u.history_len - hv.back, hv.status, hv.owner_id, hv.token, hv.actor_id, u.updated_at, hv.note
        FROM unnest($12::text[], $13::int[], $14::text[], $15::text[], $16::int[], $17::text[], $18::text[])
          AS hv(id, back, status, owner_id, token, actor_id, note)
        JOIN u ON u.id = hv.id),
      o AS (INSERT INTO ${s}.outcomes (id, kind, value)
        SELECT v.id, v.outcome_kind, v.outcome_value FROM v JOIN u ON u.id = v.id WHERE v.outcome_kind IS NOT NULL
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, value = excluded.value)
      SELECT * FROM u`,
    lastTwo: `SELECT * FROM ${s}.history WHERE invocation_id = $1 AND seq >= $2 ORDER BY seq`,
    saveOutcome: `INSERT INTO ${s}.outcomes (id, kind, value) VALUES ($1, $2, $3)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, value = excluded.value`,
    getOutcomes: `SELECT id, kind, value FROM ${s}.outcomes WHERE id = ANY($1::text[])`,
    getMany: `SELECT * FROM ${s}.status WHERE id = ANY($1::text[])`,
    getSettled: `SELECT s.*, o.kind AS outcome_kind, o.value AS outcome_value
      FROM ${s}.status s LEFT JOIN ${s}.outcomes o ON o.id = s.id WHERE s.id = ANY($1::text[])`,
    history: `SELECT * FROM ${s}.history WHERE invocation_id = $1 ORDER BY seq`,
    historyBetween: `SELECT * FROM ${s}.history WHERE at >= $1 AND at < $2 ORDER BY at, seq LIMIT $3`,
    counts: `SELECT task_id, status, count(*)::int AS n FROM ${s}.status GROUP BY task_id, status`,
  };
}
