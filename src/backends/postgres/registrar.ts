import type { AtomicRegistrar, InvocationData, RouteRequest } from "../../core/contract/index.js";
import { routeParams } from "./broker.js";
import type { PostgresHandle } from "./pool.js";
import { invocationParams } from "./state-backend.js";

/**
 * New invocations recorded and routed by one statement (one round trip, one commit): their
 * data, their REGISTERED status and first history row, and their queue rows, for the ids not
 * recorded before. The three components' own writes do the same in three statements.
 */
export class PostgresRegistrar implements AtomicRegistrar {
  private readonly text: string;

  constructor(private readonly h: PostgresHandle) {
    const s = h.s;
    this.text = `WITH d AS (
        INSERT INTO ${s}.invocations (id, task_id, args, parent_id, workflow_id, created_at, queue, priority, run_at, origin)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
          $7::text[], $8::int[], $9::bigint[], $10::text[])
        ON CONFLICT (id) DO NOTHING),
      st AS (
        INSERT INTO ${s}.status (id, task_id, status, owner_id, token, retries, updated_at, history_len)
        SELECT id, task_id, 'REGISTERED', NULL, 0, 0, ${s}.now_ms(), 1 FROM unnest($1::text[], $2::text[]) AS t(id, task_id)
        ON CONFLICT (id) DO NOTHING RETURNING id, updated_at),
      h AS (INSERT INTO ${s}.history (invocation_id, seq, status, owner_id, token, actor_id, at, note)
        SELECT id, 1, 'REGISTERED', NULL, 0, NULL, updated_at, NULL FROM st)
      INSERT INTO ${s}.queue (id, priority, available_at, queue)
      SELECT r.id, r.priority, r.available_at, r.queue
      FROM unnest($11::text[], $12::int[], $13::bigint[], $14::text[]) AS r(id, priority, available_at, queue)
      JOIN st ON st.id = r.id`;
  }

  async registerAndRoute(invocations: readonly InvocationData[], routes: readonly RouteRequest[]): Promise<void> {
    if (invocations.length === 0) return;
    await this.h.query("register", this.text, [...invocationParams(invocations), ...routeParams(routes)]);
  }
}
