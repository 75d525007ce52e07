import { randomUUID } from "node:crypto";
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
import { isFinal, isStatus, STATUSES, type Status, type TransitionRefusal } from "../../core/status.js";
import { BackendError, CorruptRecordError } from "../../errors/index.js";
import { findOrder } from "../find-order.js";
import { outcomeText } from "../outcome-text.js";
import { settled } from "../settled.js";
import { decodeHistory, decodeOutcome, decodeStatus, OUTCOME_FIELDS, STATUS_FIELDS } from "./codec.js";
import type { RedisConnection } from "./connection.js";
import { values } from "./pipeline.js";
import { scripts } from "./scripts.js";

/** What transition.lua returns per request. */
type ScriptResult = [1, Status, Status, number, string, number, number, string[]?] | [0, TransitionRefusal, string];

export interface TransitionReply {
  corrupt?: [string, string, string];
  results?: ScriptResult[] | Record<string, never>;
}

/**
 * The results of transitions.lua's apply_transitions for the requests of `ids`, in order; a
 * batch refused for an undecodable row is a CorruptRecordError (nothing was applied).
 */
export function transitionResults(ids: readonly string[], reply: TransitionReply): TransitionResult[] {
  if (reply.corrupt) {
    const [id, status, token] = reply.corrupt;
    throw new CorruptRecordError(
      `Invocation ${id} in Redis cannot be decoded (status "${status}", token "${token}"); no transition of the batch was applied and the row was left as is.`,
    );
  }
  const results = Array.isArray(reply.results) ? reply.results : [];
  if (results.length !== ids.length) {
    throw new BackendError(`The transition script answered ${results.length} results for ${ids.length} requests.`);
  }
  return results.map((r, i): TransitionResult => {
    const id = ids[i] ?? "";
    if (r[0] === 1) {
      const [, from, to, token, owner, retries, attempts, woken] = r;
      const ok = { ok: true as const, id, from, to, token, ownerId: owner === "" ? null : owner, retries, attempts };
      return woken && woken.length > 0 ? { ...ok, woken } : ok;
    }
    const [, reason, current] = r;
    return { ok: false, id, reason, current: isStatus(current) ? current : null };
  });
}

/**
 * Invocation statuses, history and outcomes on Redis. Registration and every batch of
 * transitions is one Lua script (register.lua, transition.lua): the compare-and-set, the
 * state-machine and fencing rule (generated from STATUS_TABLE), the status write, history
 * entry, outcome, retry count and every secondary index change happen atomically, stamped
 * with the server's clock.
 */
export class RedisInvocationStatus implements InvocationStatusStore {
  constructor(
    private readonly conn: RedisConnection,
    private readonly p: string,
  ) {}

  private get cmd() {
    return this.conn.cmd;
  }

  async register(invocations: readonly NewInvocation[]): Promise<RegisterResult[]> {
    if (invocations.length === 0) return [];
    const list = invocations.map((i) => {
      const c = i.concurrency;
      return [
        i.id,
        i.taskId,
        i.createdAt,
        c?.runningScope ?? "",
        c?.runningLimit ?? 0,
        c?.rerouteWhenBlocked ? 1 : 0,
        c?.registrationScope ?? "",
      ];
    });
    const reply = await scripts().register.json(this.cmd, [this.p, JSON.stringify(list)]);
    const existing = Array.isArray(reply) ? reply : [];
    return invocations.map((inv, i) => {
      const e: unknown = existing[i];
      return { id: inv.id, existingId: typeof e === "string" && e !== "" ? e : null };
    });
  }

  async transition(requests: readonly TransitionRequest[]): Promise<TransitionResult[]> {
    if (requests.length === 0) return [];
    const encoded = requests.map((r) => {
      const q: Record<string, unknown> = { id: r.id, to: r.to };
      if (r.runnerId !== null) q.r = r.runnerId;
      if (r.token !== undefined) q.t = r.token;
      if (r.expectFrom) q.e = r.expectFrom; // [] decodes to an empty (truthy) table: refused, as in TS
      if (r.expectToken !== undefined) q.x = r.expectToken;
      if (r.note !== undefined) q.n = r.note;
      if (r.countRetry) q.c = 1;
      if (r.andThen) q.th = r.andThen;
      if (r.outcome) {
        q.k = r.outcome.kind;
        q.v = outcomeText(r.outcome);
      }
      return q;
    });
    const reply = (await scripts().transition.json(this.cmd, [
      this.p,
      JSON.stringify(encoded),
      randomUUID(),
    ])) as TransitionReply;
    return transitionResults(
      requests.map((r) => r.id),
      reply,
    );
  }

  async getStatuses(ids: readonly string[]): Promise<Map<string, StatusRecord>> {
    const out = new Map<string, StatusRecord>();
    if (ids.length === 0) return out;
    const pipe = this.cmd.pipeline();
    for (const id of ids) pipe.hmget(`${this.p}inv:${id}`, ...STATUS_FIELDS);
    const rows = values<(string | null)[]>(await pipe.exec());
    ids.forEach((id, i) => {
      const rec = decodeStatus(id, rows[i] ?? []);
      if (rec) out.set(id, rec);
    });
    return out;
  }

  /** One pipeline: each id's status fields and outcome fields (a non-final one has none). */
  async getSettled(ids: readonly string[]): Promise<Map<string, SettledRecord>> {
    const out = new Map<string, SettledRecord>();
    if (ids.length === 0) return out;
    const pipe = this.cmd.pipeline();
    for (const id of ids) pipe.hmget(`${this.p}inv:${id}`, ...STATUS_FIELDS, ...OUTCOME_FIELDS);
    const rows = values<(string | null)[]>(await pipe.exec());
    const records = ids.map((id, i) => {
      const row = rows[i] ?? [];
      return { id, row, record: decodeStatus(id, row) };
    });
    const legacy = await this.legacyOutcomes(
      records.flatMap(({ id, row, record }) => (record && isFinal(record.status) && lacksOutcome(row) ? [id] : [])),
    );
    for (const { id, row, record } of records) {
      if (!record) continue;
      const [kind, value] = legacy.get(id) ?? row.slice(STATUS_FIELDS.length);
      out.set(
        id,
        settled(record, () => decodeOutcome(id, kind ?? undefined, value ?? undefined)),
      );
    }
    return out;
  }

  /**
   * Outcomes as nenc stored them before they became fields of the row: a hash of their own
   * (`out:<id>`). Read only for final rows without the outcome fields (rows written before an
   * upgrade), so that their results stay readable; deleteFinalBefore deletes the hash with the row.
   */
  private async legacyOutcomes(ids: readonly string[]): Promise<Map<string, (string | null)[]>> {
    if (ids.length === 0) return new Map();
    const pipe = this.cmd.pipeline();
    for (const id of ids) pipe.hmget(`${this.p}out:${id}`, ...OUTCOME_FIELDS);
    const rows = values<(string | null)[]>(await pipe.exec());
    return new Map(ids.map((id, i) => [id, rows[i] ?? []]));
  }

  async find(filter: InvocationFilter): Promise<StatusRecord[]> {
    // No index lists every invocation (one sorted set fewer to write per transition): without a
    // status, task or owner, every status's set, merged, pages the same way.
    if (filter.ownerId === undefined && filter.statuses === undefined && filter.taskId === undefined) {
      return this.find({ ...filter, statuses: STATUSES });
    }
    const min = filter.updatedAfter ?? "-inf";
    const max = filter.updatedBefore !== undefined ? `(${filter.updatedBefore}` : "+inf";
    const desc = filter.order === "desc";
    const offset = filter.offset ?? 0;
    let ids: string[];
    if (filter.ownerId !== undefined) {
      ids = await this.cmd.smembers(`${this.p}by-owner:${filter.ownerId}`);
    } else {
      // Each sorted set is ordered like the answer (update time, then id), so with only one
      // kind of filter the first offset + limit of each set hold the answer's page: a bounded
      // read even when millions of invocations are stored.
      const sets =
        filter.statuses !== undefined
          ? filter.statuses.map((s) => `${this.p}by-status:${s}`)
          : [`${this.p}by-task:${filter.taskId}`];
      const paged = filter.limit !== undefined && (filter.statuses === undefined || filter.taskId === undefined);
      if (paged) return this.findPage(filter, sets, min, max, desc, offset);
      const pipe = this.cmd.pipeline();
      for (const key of sets) pipe.zrangebyscore(key, min, max);
      ids = [...new Set(values<string[]>(await pipe.exec()).flat())];
    }
    const recs = [...(await this.getStatuses(ids)).values()].filter((r) => matches(r, filter));
    return sortPage(recs, filter, offset);
  }

  /**
   * A bounded page read by one script (find-page.lua), atomically, so an invocation that moved
   * on cannot empty the page. From one set, the page itself (Redis orders ties by id, as
   * findOrder does): a deep page of one status reads its own rows, not every row before it.
   * From several, the first offset + limit members of each, merged here.
   */
  private async findPage(
    filter: InvocationFilter,
    sets: readonly string[],
    min: number | string,
    max: number | string,
    desc: boolean,
    offset: number,
  ): Promise<StatusRecord[]> {
    const one = sets.length === 1;
    const skip = one ? offset : 0;
    const take = one ? (filter.limit ?? 0) : offset + (filter.limit ?? 0);
    const reply = (await scripts().findPage.run(this.cmd, [
      this.p,
      min,
      max,
      desc ? "1" : "0",
      take,
      skip,
      ...sets,
    ])) as Array<string | (string | null)[]>;
    const recs: StatusRecord[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const id = String(reply[i]);
      const rec = decodeStatus(id, reply[i + 1] as (string | null)[]);
      if (rec && matches(rec, filter)) recs.push(rec);
    }
    return sortPage(recs, filter, one ? 0 : offset);
  }

  async countByStatus(): Promise<StatusCount[]> {
    const all = await this.cmd.hgetall(`${this.p}counts`);
    const out: StatusCount[] = [];
    for (const [field, n] of Object.entries(all)) {
      const cut = field.lastIndexOf("\t");
      const status = field.slice(cut + 1);
      const count = Number(n);
      if (cut < 0 || !isStatus(status) || !Number.isFinite(count)) {
        throw new CorruptRecordError(`The status count "${field}" = "${n}" in Redis cannot be decoded.`);
      }
      if (count > 0) out.push({ taskId: field.slice(0, cut), status, count });
    }
    return out;
  }

  async historyBetween(from: number, to: number, limit: number): Promise<HistoryEntry[]> {
    if (limit <= 0) return [];
    // Each member holds one script's entries of one time (lib.lua): `limit` members hold at least
    // `limit` entries, but when the read stopped at `limit`, the last time's other members may be
    // left: they are read whole, so the first `limit` entries in (at, seq, id) order are exact.
    const key = `${this.p}hist-at`;
    const scored = await this.cmd.zrangebyscore(key, from, `(${to}`, "WITHSCORES", "LIMIT", 0, limit);
    let members: { member: string; score: string }[] = [];
    for (let i = 0; i + 1 < scored.length; i += 2)
      members.push({ member: scored[i] ?? "", score: scored[i + 1] ?? "" });
    const last = members.length === limit ? members[members.length - 1]?.score : undefined;
    if (last !== undefined) {
      const all = await this.cmd.zrangebyscore(key, last, last);
      members = members.filter((m) => m.score !== last).concat(all.map((member) => ({ member, score: last })));
    }
    const refs = members.flatMap(({ member, score }) =>
      member.split(",").map((ref) => {
        const cut = ref.indexOf("#");
        return { at: Number(score), seq: Number(ref.slice(0, cut)), id: ref.slice(cut + 1) };
      }),
    );
    refs.sort((a, b) => a.at - b.at || a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    refs.length = Math.min(refs.length, limit);
    const pipe = this.cmd.pipeline();
    for (const r of refs) pipe.lindex(`${this.p}hist:${r.id}`, r.seq - 1);
    const rows = values<string | null>(await pipe.exec());
    const out: HistoryEntry[] = [];
    refs.forEach((r, i) => {
      const raw = rows[i];
      if (raw) out.push(decodeHistory(r.id, raw)); // purged meanwhile: skip
    });
    return out;
  }

  async getOutcome(id: string): Promise<Outcome | null> {
    const [status, ...row] = await this.cmd.hmget(`${this.p}inv:${id}`, "status", ...OUTCOME_FIELDS);
    const final = status !== null && isStatus(status) && isFinal(status);
    const [kind, value] = final && lacksOutcome(row) ? ((await this.legacyOutcomes([id])).get(id) ?? []) : row;
    return decodeOutcome(id, kind ?? undefined, value ?? undefined);
  }

  async history(id: string): Promise<HistoryEntry[]> {
    return (await this.cmd.lrange(`${this.p}hist:${id}`, 0, -1)).map((raw) => decodeHistory(id, raw));
  }
}

/** A row read with STATUS_FIELDS then OUTCOME_FIELDS (or OUTCOME_FIELDS alone) that has neither outcome field. */
function lacksOutcome(row: readonly (string | null)[]): boolean {
  return row.at(-1) === null && row.at(-2) === null;
}

function matches(r: StatusRecord, filter: InvocationFilter): boolean {
  return (
    (filter.statuses === undefined || filter.statuses.includes(r.status)) &&
    (filter.taskId === undefined || r.taskId === filter.taskId) &&
    (filter.ownerId === undefined || r.ownerId === filter.ownerId) &&
    (filter.updatedBefore === undefined || r.updatedAt < filter.updatedBefore) &&
    (filter.updatedAfter === undefined || r.updatedAt >= filter.updatedAfter)
  );
}

/** By update time (then id), in the filter's order, from `offset`, at most `limit`. */
function sortPage(recs: StatusRecord[], filter: InvocationFilter, offset: number): StatusRecord[] {
  recs.sort(findOrder(filter.order));
  return recs.slice(offset, filter.limit === undefined ? undefined : offset + filter.limit);
}
