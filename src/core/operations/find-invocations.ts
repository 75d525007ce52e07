import type { InvocationData, Orchestrator, StateBackend } from "../contract/index.js";
import type { Status } from "../status.js";

export interface InvocationQuery {
  taskId?: string | undefined;
  statuses?: readonly Status[] | undefined;
  workflowId?: string | undefined;
  parentId?: string | undefined;
  /** Created at or after (ms since the epoch). */
  since?: number | undefined;
  limit: number;
}

const PAGE = 500;
/** A query reads at most this many invocations before it stops (bounded on every backend). */
export const MAX_SCANNED = 20_000;

/**
 * Invocations matching a query, newest first, through the contract only: pages of invocation
 * data (task, workflow, parent, creation time) filtered by their current status. Bounded:
 * at most `limit` results and MAX_SCANNED invocations read.
 */
export async function findInvocations(
  c: { orchestrator: Orchestrator; stateBackend: StateBackend },
  q: InvocationQuery,
): Promise<InvocationData[]> {
  const out: InvocationData[] = [];
  for (let offset = 0; out.length < q.limit && offset < MAX_SCANNED; offset += PAGE) {
    const page = await c.stateBackend.findInvocations({
      taskId: q.taskId,
      workflowId: q.workflowId,
      parentId: q.parentId,
      createdAfter: q.since,
      limit: PAGE,
      offset,
    });
    let keep = page;
    if (q.statuses) {
      const wanted = q.statuses;
      const statuses = await c.orchestrator.getStatuses(page.map((d) => d.id));
      keep = page.filter((d) => {
        const s = statuses.get(d.id)?.status;
        return s !== undefined && wanted.includes(s);
      });
    }
    out.push(...keep.slice(0, q.limit - out.length));
    if (page.length < PAGE) break;
  }
  return out;
}
