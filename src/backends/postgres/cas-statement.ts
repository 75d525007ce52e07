import type { TransitionRequest } from "../../core/contract/index.js";
import { FINAL_STATUSES, STATUS_TABLE, STATUSES, type Status } from "../../core/status.js";
import { outcomeText } from "../outcome-text.js";
import { ANNOUNCED_OUTCOME_MAX_BYTES } from "../settlement-line.js";

/**
 * The one-statement compare-and-set of a transition on an invocation without a running scope:
 * the request's rule (STATUS_TABLE: which current statuses may move to `to`, which of them need
 * the caller to be the owner with its token, what entering `to` does to ownership) is turned
 * into parameters here, so the statement checks and writes in one round trip without a prior
 * read. Requests it cannot express go through the locking transaction instead.
 */
export interface CasParams {
  id: string;
  /** Current statuses from which the move needs no ownership (comma-joined). */
  free: string;
  /** Current statuses from which the move needs owner = runner and the caller's token. */
  owned: string;
  effect: "acquire" | "override" | "keep" | "release";
  to: Status;
  then: Status | null;
}

export function casParams(req: TransitionRequest): CasParams | null {
  const target = STATUS_TABLE[req.to];
  const from = STATUSES.filter(
    (s) => STATUS_TABLE[s].next.includes(req.to) && (!req.expectFrom || req.expectFrom.includes(s)),
  );
  const needsOwner = (s: Status) => STATUS_TABLE[s].leaveRequiresOwner && target.onEnter !== "override";
  let then: Status | null = null;
  if (req.andThen) {
    // A follow-up is expressed only after an acquiring move into a status it may leave by "keep".
    const follow = STATUS_TABLE[req.andThen];
    const acquires = target.onEnter === "acquire" || target.onEnter === "override";
    if (!acquires || follow.onEnter !== "keep" || !target.next.includes(req.andThen)) return null;
    then = req.andThen;
  }
  return {
    id: req.id,
    free: from.filter((s) => !needsOwner(s)).join(","),
    owned: from.filter(needsOwner).join(","),
    effect: target.onEnter,
    to: req.to,
    then,
  };
}

/** Bytes of lines per NOTIFY part: with one more line (outcome, id, status, kind) under 8000. */
const PAYLOAD_PART = 3700;

/**
 * The statement ($1.. as in casValues); returns the written rows with their previous status.
 * The invocations it makes final are announced with their outcomes (ChangeFeed.onSettled,
 * settlement-line.ts): a NOTIFY on `settledChannel` at commit, lines packed into payloads under
 * PostgreSQL's 8000 bytes (a part holds under PAYLOAD_PART bytes of lines plus one line). The
 * main SELECT joins `n`, so it runs (a LEFT JOIN of it would be removed by the planner). Finals
 * written elsewhere (the locking transaction: scoped invocations, recovery) are not announced;
 * their waiters read.
 * A batch with a row whose status nenc cannot read writes nothing: it all goes to the locking
 * transaction, which reads every row first and fails the call (CorruptRecordError) before any
 * write, so a batch is never applied in part.
 */
export function casStatement(s: string, now: string, settledChannel: string): string {
  const known = STATUSES.map((st) => `'${st}'`).join(", ");
  const final = FINAL_STATUSES.map((st) => `'${st}'`).join(", ");
  return `WITH v AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[],
        $8::text[], $9::text[], $10::int[], $11::text[], $12::text[], $13::text[])
        AS v(id, free, owned, runner, token, expect_token, effect, to_status, then_status, add_retries,
          outcome_kind, outcome_value, note)),
    cur AS (
      SELECT st.id, st.status AS from_status, st.token AS from_token FROM ${s}.status st JOIN v ON v.id = st.id
      WHERE st.run_scope IS NULL
        AND NOT EXISTS (SELECT 1 FROM ${s}.status x WHERE x.id = ANY($1::text[]) AND x.status NOT IN (${known}))
        AND (v.expect_token IS NULL OR st.token = v.expect_token)
        AND (st.status = ANY(string_to_array(v.free, ','))
          OR (st.status = ANY(string_to_array(v.owned, ',')) AND st.owner_id = v.runner AND st.token = v.token))
      FOR UPDATE OF st),
    u AS (
      UPDATE ${s}.status st SET
        status = coalesce(v.then_status, v.to_status),
        owner_id = CASE WHEN v.effect IN ('acquire', 'override') THEN v.runner
          WHEN v.effect = 'keep' THEN st.owner_id ELSE NULL END,
        token = CASE WHEN v.effect IN ('acquire', 'override') THEN st.token + 1 ELSE st.token END,
        retries = st.retries + v.add_retries,
        attempts = st.attempts + (CASE WHEN 'RUNNING' IN (v.to_status, v.then_status) THEN 1 ELSE 0 END),
        updated_at = ${now},
        history_len = st.history_len + (CASE WHEN v.then_status IS NULL THEN 1 ELSE 2 END)
      FROM v JOIN cur ON cur.id = v.id
      WHERE st.id = v.id AND st.status = cur.from_status AND st.token = cur.from_token
      RETURNING st.*, cur.from_status, v.to_status AS first_status, v.then_status, v.runner AS actor, v.note,
        v.outcome_kind, v.outcome_value),
    h AS (INSERT INTO ${s}.history (invocation_id, seq, status, owner_id, token, actor_id, at, note)
      SELECT u.id, u.history_len - (CASE WHEN u.then_status IS NULL THEN 1 ELSE 2 END) + k.n, k.status,
        u.owner_id, u.token, u.actor, u.updated_at, u.note
      FROM u CROSS JOIN LATERAL (VALUES (1, u.first_status), (2, u.then_status)) AS k(n, status)
      WHERE k.status IS NOT NULL),
    o AS (INSERT INTO ${s}.outcomes (id, kind, value)
      SELECT id, outcome_kind, outcome_value FROM u WHERE outcome_kind IS NOT NULL
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, value = excluded.value),
    n AS (SELECT pg_notify('${settledChannel}', string_agg(line, E'\n')) FROM (
        SELECT line, (sum(octet_length(line) + 1) OVER (ORDER BY id)) / ${PAYLOAD_PART} AS part FROM (
          SELECT id, id || E'\t' || status || E'\t' || outcome_kind || E'\t' || outcome_value AS line FROM u
          WHERE status IN (${final}) AND outcome_kind IS NOT NULL AND octet_length(outcome_value) <= ${ANNOUNCED_OUTCOME_MAX_BYTES}
            AND strpos(outcome_value, E'\t') = 0 AND strpos(outcome_value, E'\n') = 0) lines) parts
      GROUP BY part)
    SELECT u.* FROM u CROSS JOIN (SELECT count(*) FROM n) announced`;
}

export function casValues(reqs: readonly TransitionRequest[], params: readonly CasParams[]): unknown[] {
  return [
    params.map((p) => p.id),
    params.map((p) => p.free),
    params.map((p) => p.owned),
    reqs.map((r) => r.runnerId),
    reqs.map((r) => r.token ?? null),
    reqs.map((r) => r.expectToken ?? null),
    params.map((p) => p.effect),
    params.map((p) => p.to),
    params.map((p) => p.then),
    reqs.map((r) => (r.countRetry ? 1 : 0)),
    reqs.map((r) => r.outcome?.kind ?? null),
    reqs.map((r) => (r.outcome ? outcomeText(r.outcome) : null)),
    reqs.map((r) => r.note ?? null),
  ];
}
