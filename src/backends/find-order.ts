import type { InvocationFilter, StatusRecord } from "../core/contract/index.js";

/**
 * The order of `find` (InvocationFilter.order) for engines that sort in process (memory, and
 * Redis after merging several sets): by update time, ties by id, "desc" the exact reverse.
 * The SQL engines say the same in ORDER BY.
 */
export function findOrder(order: InvocationFilter["order"]): (a: StatusRecord, b: StatusRecord) => number {
  const dir = order === "desc" ? -1 : 1;
  return (a, b) => dir * (a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
