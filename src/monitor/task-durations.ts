import type { Components, HistoryEntry } from "../core/contract/index.js";
import { isFinal } from "../core/status.js";

export interface Durations {
  count: number;
  mean: number;
  p50: number;
  max: number;
}

/** Run durations (first RUNNING to final) of invocations finished in `rows`, by task. */
export async function durationsByTask(c: Components, rows: readonly HistoryEntry[]): Promise<Map<string, Durations>> {
  const start = new Map<string, number>();
  const ends = new Map<string, number>();
  for (const r of rows) {
    if (r.status === "RUNNING" && !start.has(r.invocationId)) start.set(r.invocationId, r.at);
    if (isFinal(r.status)) ends.set(r.invocationId, r.at);
  }
  const ids = [...ends.keys()].filter((id) => start.has(id));
  const recs = await c.orchestrator.getStatuses(ids);
  const lists = new Map<string, number[]>();
  for (const id of ids) {
    const task = recs.get(id)?.taskId ?? "?";
    const list = lists.get(task) ?? [];
    list.push(ends.get(id)! - start.get(id)!);
    lists.set(task, list);
  }
  const out = new Map<string, Durations>();
  for (const [task, list] of lists) {
    list.sort((a, b) => a - b);
    out.set(task, {
      count: list.length,
      mean: list.reduce((a, b) => a + b, 0) / list.length,
      p50: list[Math.floor(list.length / 2)] ?? 0,
      max: list.at(-1) ?? 0,
    });
  }
  return out;
}
