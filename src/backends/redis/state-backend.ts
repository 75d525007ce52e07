import type {
  InvocationData,
  InvocationDataFilter,
  LogRecord,
  StateBackend,
  StoredValue,
} from "../../core/contract/index.js";
import { scheduleOf } from "../../core/routing.js";
import { decodeInvocationData, decodeLog } from "./codec.js";
import type { RedisConnection } from "./connection.js";
import { REDIS_CAPABILITIES } from "./orchestrator.js";
import { deleteByPrefix } from "./purge.js";
import { scripts } from "./scripts.js";

/** One invocation as data.lua stores it: [id, json, createdAt, taskId, workflowId, parentId or ""]. */
export function invocationEntry(i: InvocationData): [string, string, number, string, string, string] {
  const json = JSON.stringify({
    id: i.id,
    taskId: i.taskId,
    args: i.args,
    parentId: i.parentId,
    workflowId: i.workflowId,
    createdAt: i.createdAt,
    ...scheduleOf(i),
    ...(i.origin ? { origin: i.origin } : {}),
  });
  return [i.id, json, i.createdAt, i.taskId, i.workflowId, i.parentId ?? ""];
}

/** Whether `i` meets the filter (its creation-time bounds too: an index read applied them already, a root read alone not). */
function matches(i: InvocationData, filter: InvocationDataFilter): boolean {
  return (
    (filter.createdAfter === undefined || i.createdAt >= filter.createdAfter) &&
    (filter.createdBefore === undefined || i.createdAt < filter.createdBefore) &&
    (filter.parentId === undefined || i.parentId === filter.parentId) &&
    (filter.workflowId === undefined || i.workflowId === filter.workflowId) &&
    (!filter.rootsOnly || i.parentId === null) &&
    (filter.taskId === undefined || i.taskId === filter.taskId)
  );
}

/** Log lines with no invocation are kept in one list, capped to this many. */
const UNATTACHED_LOG_CAP = 10_000;

/**
 * Invocation data as JSON strings (first write wins), indexed by creation time overall, per
 * parent, per workflow, per task and for roots, all written by one script; logs as a list per
 * invocation.
 */
export class RedisStateBackend implements StateBackend {
  readonly capabilities = REDIS_CAPABILITIES;
  private readonly p: string;

  constructor(readonly conn: RedisConnection) {
    this.p = conn.keys.state;
  }

  init(): Promise<void> {
    return this.conn.ready();
  }

  async saveInvocations(invocations: readonly InvocationData[]): Promise<void> {
    if (invocations.length === 0) return;
    await scripts().saveInvocations.run(this.conn.cmd, [this.p, JSON.stringify(invocations.map(invocationEntry))]);
  }

  async getInvocations(ids: readonly string[]): Promise<Map<string, InvocationData>> {
    const out = new Map<string, InvocationData>();
    if (ids.length === 0) return out;
    const rows = await this.conn.cmd.mget(...ids.map((id) => `${this.p}inv:${id}`));
    ids.forEach((id, i) => {
      const raw = rows[i];
      if (raw !== null && raw !== undefined) out.set(id, decodeInvocationData(id, raw));
    });
    return out;
  }

  async findInvocations(filter: InvocationDataFilter): Promise<InvocationData[]> {
    const { workflowId } = filter;
    // A workflow without an index is its root alone (data.lua indexes a root with its first member).
    const rootAlone = workflowId !== undefined && (await this.conn.cmd.exists(`${this.p}by-wf:${workflowId}`)) === 0;
    // The most selective index, newest first within the creation-time bounds.
    const index =
      filter.parentId !== undefined
        ? `by-parent:${filter.parentId}`
        : workflowId !== undefined
          ? `by-wf:${workflowId}`
          : filter.rootsOnly
            ? "roots"
            : filter.taskId !== undefined
              ? `by-task:${filter.taskId}`
              : "created";
    const max = filter.createdBefore !== undefined ? `(${filter.createdBefore}` : "+inf";
    const min = filter.createdAfter ?? "-inf";
    const offset = filter.offset ?? 0;
    const criteria =
      Number(filter.parentId !== undefined) +
      Number(workflowId !== undefined) +
      Number(Boolean(filter.rootsOnly)) +
      Number(filter.taskId !== undefined);
    if (criteria <= 1 && !rootAlone) {
      // The index answers the whole filter: let Redis page it.
      const ids = await this.conn.cmd.zrevrangebyscore(
        `${this.p}${index}`,
        max,
        min,
        "LIMIT",
        offset,
        filter.limit ?? -1,
      );
      const found = await this.getInvocations(ids);
      return ids.flatMap((id) => found.get(id) ?? []);
    }
    const ids = rootAlone ? [workflowId] : await this.conn.cmd.zrevrangebyscore(`${this.p}${index}`, max, min);
    const found = await this.getInvocations(ids);
    const matching = ids.flatMap((id) => {
      const i = found.get(id);
      return i && matches(i, filter) ? [i] : [];
    });
    return matching.slice(offset, filter.limit === undefined ? undefined : offset + filter.limit);
  }

  async putValues(values: readonly StoredValue[]): Promise<void> {
    if (values.length === 0) return;
    await scripts().putValues.run(this.conn.cmd, [this.p, ...values.flatMap((v) => [v.hash, v.data, v.invocationId])]);
  }

  async getValues(hashes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (hashes.length === 0) return out;
    const got = await this.conn.cmd.mget(...hashes.map((h) => `${this.p}val:${h}`));
    hashes.forEach((h, i) => {
      const v = got[i];
      if (typeof v === "string") out.set(h, v);
    });
    return out;
  }

  async deleteInvocations(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await scripts().deleteInvocations.run(this.conn.cmd, [this.p, JSON.stringify(ids)]);
  }

  async appendLogs(records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const tx = this.conn.cmd.multi();
    let unattached = false;
    for (const r of records) {
      const json = JSON.stringify({
        invocationId: r.invocationId,
        runnerId: r.runnerId,
        taskId: r.taskId,
        level: r.level,
        message: r.message,
        at: r.at,
      });
      if (r.invocationId === null) unattached = true;
      tx.rpush(r.invocationId === null ? `${this.p}logs-unattached` : `${this.p}logs:${r.invocationId}`, json);
    }
    if (unattached) tx.ltrim(`${this.p}logs-unattached`, -UNATTACHED_LOG_CAP, -1);
    const replies = await tx.exec();
    for (const [err] of replies ?? []) if (err) throw err;
  }

  async logs(invocationId: string, limit = 1000): Promise<LogRecord[]> {
    if (limit <= 0) return [];
    return (await this.conn.cmd.lrange(`${this.p}logs:${invocationId}`, 0, limit - 1)).map(decodeLog);
  }

  async purge(): Promise<void> {
    await deleteByPrefix(this.conn.cmd, this.p);
  }

  async close(): Promise<void> {
    await this.conn.release();
  }
}
