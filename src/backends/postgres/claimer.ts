import type {
  AtomicClaimer,
  ClaimedStart,
  InvocationData,
  Orchestrator,
  TransitionRequest,
  TransitionResult,
} from "../../core/contract/index.js";
import { STATUSES, type Status } from "../../core/status.js";
import { landed } from "../../core/transition-chain.js";
import { CorruptRecordError } from "../../errors/index.js";
import { toInvocationData, toStatusRecord } from "../sql-rows.js";
import { casParams } from "./cas-statement.js";
import type { PostgresHandle } from "./pool.js";

type Row = Record<string, unknown>;

/**
 * Claim and start by one statement (one round trip, one commit): the queue rows taken
 * (`FOR UPDATE SKIP LOCKED`), the claim of each as a compare-and-set to PENDING then RUNNING
 * (STATUS_TABLE's rule as parameters, as in cas-statement.ts) with its two history rows, and
 * the data of what started. Before it a claim took two round trips in sequence (the broker's
 * claim, then the transition with the data read beside it). When it takes fewer than asked, it
 * also says when the rest of those queues may be claimable (`next_ms`, ClaimedStart.next: the
 * runner then waits without a look of its own; rows another runner is taking count as
 * claimable, which costs one more claim).
 *
 * What the statement does not write (an invocation with a running scope, a claim the table
 * refuses, an id queued twice) goes through Orchestrator.transition, which decides it and says
 * why; a batch with a status row nenc cannot read writes nothing here and reports `results:
 * null` (the runner claims its ids one by one).
 */
export class PostgresClaimer implements AtomicClaimer {
  private readonly text: string;
  private readonly dataText: string;
  private readonly free = new Map<string, string>();

  // The claimed rows are locked and read by primary key only (cur); the status rule is applied
  // in the UPDATE. With it in cur, the planner read every row of the free statuses through the
  // status index (the whole backlog, on each claim) when its statistics said they were few.
  constructor(
    private readonly h: PostgresHandle,
    private readonly statuses: Pick<Orchestrator, "transition">,
  ) {
    const s = h.s;
    const known = STATUSES.map((st) => `'${st}'`).join(", ");
    this.text = `WITH c AS (
        DELETE FROM ${s}.queue WHERE seq IN (
          SELECT seq FROM ${s}.queue WHERE available_at <= ${s}.now_ms()
            AND ($2::text[] IS NULL OR queue = ANY($2::text[]))
          ORDER BY priority DESC, seq LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, seq, priority),
      cur AS (
        SELECT st.id, st.status AS from_status, st.token AS from_token, st.run_scope
        FROM ${s}.status st JOIN (SELECT DISTINCT id FROM c) ids ON ids.id = st.id
        FOR UPDATE OF st),
      u AS (
        UPDATE ${s}.status st SET status = 'RUNNING', owner_id = $4, token = st.token + 1,
          attempts = st.attempts + 1, updated_at = ${s}.now_ms(), history_len = st.history_len + 2
        FROM cur WHERE st.id = cur.id AND st.status = cur.from_status AND st.token = cur.from_token
          AND cur.run_scope IS NULL AND cur.from_status = ANY(string_to_array($3, ','))
          AND NOT EXISTS (SELECT 1 FROM cur x WHERE x.from_status NOT IN (${known}))
        RETURNING st.*, cur.from_status),
      h AS (INSERT INTO ${s}.history (invocation_id, seq, status, owner_id, token, actor_id, at, note)
        SELECT u.id, u.history_len - 2 + k.n, k.status, u.owner_id, u.token, $4, u.updated_at, NULL
        FROM u CROSS JOIN (VALUES (1, 'PENDING'), (2, 'RUNNING')) AS k(n, status)),
      nx AS (SELECT CASE WHEN (SELECT count(*) FROM c) < $1 THEN
          (SELECT CASE WHEN min(q.available_at) IS NULL THEN -1
              ELSE greatest(min(q.available_at) - ${s}.now_ms(), 0) END FROM ${s}.queue q
            WHERE ($2::text[] IS NULL OR q.queue = ANY($2::text[])) AND q.seq NOT IN (SELECT seq FROM c))
        END AS next_ms)
      SELECT c.id AS claimed_id, c.seq AS claimed_seq, c.priority AS claimed_priority, u.*, to_jsonb(d) AS data,
        nx.next_ms
      FROM nx LEFT JOIN c ON true LEFT JOIN u ON u.id = c.id LEFT JOIN ${s}.invocations d ON d.id = u.id`;
    this.dataText = `SELECT * FROM ${s}.invocations WHERE id = ANY($1::text[])`;
  }

  /**
   * The statuses a claim may start from without an owner, per `expectFrom` (a runner's is
   * constant). PENDING acquires, RUNNING keeps: what the statement writes. Were the table to say
   * otherwise, this is empty, nothing is written by the statement and transition() decides.
   */
  private freeStatuses(expectFrom: readonly Status[], claim: (id: string) => TransitionRequest): string {
    const key = expectFrom.join(",");
    let free = this.free.get(key);
    if (free === undefined) {
      const rule = casParams(claim(""));
      free = rule?.effect === "acquire" && rule.then === "RUNNING" ? rule.free : "";
      this.free.set(key, free);
    }
    return free;
  }

  async claimAndStart(
    max: number,
    queues: readonly string[],
    runnerId: string,
    expectFrom: readonly Status[],
  ): Promise<ClaimedStart> {
    const data = new Map<string, InvocationData>();
    if (max <= 0) return { ids: [], results: [], data };
    const claim = (id: string): TransitionRequest => ({ id, to: "PENDING", andThen: "RUNNING", runnerId, expectFrom });
    const free = this.freeStatuses(expectFrom, claim);
    // Taken before the statement is sent: a route it does not see is announced after this.
    const mark = this.h.mark("work");
    const all = await this.h.query<Row>("claimAndStart", this.text, [
      Math.floor(max),
      queues.length > 0 ? [...queues] : null,
      free,
      runnerId,
    ]);
    // One row without a claimed id when nothing was taken (it carries next_ms).
    const rows = all.filter((r) => r.claimed_id !== null && r.claimed_id !== undefined);
    const nextMs = all[0]?.next_ms;
    const next = mark !== null && nextMs !== null && nextMs !== undefined ? { inMs: Number(nextMs), mark } : undefined;
    // RETURNING has no order of its own: restore the queue order.
    rows.sort(
      (a, b) =>
        Number(b.claimed_priority) - Number(a.claimed_priority) || Number(a.claimed_seq) - Number(b.claimed_seq),
    );
    const ids = rows.map((r) => String(r.claimed_id));
    const results: Array<TransitionResult | undefined> = [];
    const seen = new Set<string>();
    for (const row of rows) {
      const id = String(row.claimed_id);
      const written = row.id !== null && row.id !== undefined && !seen.has(id);
      seen.add(id);
      results.push(written ? landed(row.from_status as Status, toStatusRecord(row)) : undefined);
      if (written && row.data) readData(data, id, row.data as Row);
    }
    const rest = ids.flatMap((_, i) => (results[i] === undefined ? [i] : []));
    if (rest.length > 0) {
      let decided: TransitionResult[];
      try {
        decided = await this.statuses.transition(rest.map((i) => claim(ids[i] as string)));
      } catch (err) {
        if (!(err instanceof CorruptRecordError)) throw err;
        return { ids, results: null, data, next };
      }
      rest.forEach((i, k) => {
        results[i] = decided[k];
      });
      const started = decided.flatMap((r) => (r.ok && r.to === "RUNNING" ? [r.id] : []));
      if (started.length > 0) {
        for (const row of await this.h.query<Row>("getInvocations", this.dataText, [started])) {
          readData(data, String(row.id), row);
        }
      }
    }
    return { ids, results: results as TransitionResult[], data, next };
  }
}

/** An unreadable data row is left out: the runner fails that invocation with the data read's error. */
function readData(data: Map<string, InvocationData>, id: string, row: Row): void {
  try {
    data.set(id, toInvocationData(row));
  } catch {
    // left out
  }
}
