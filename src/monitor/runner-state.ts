import type { RunnerRecord } from "../core/contract/index.js";

export { type RunnerState, runnerState } from "../core/runner-state.js";

/** Parents first (oldest first), each followed by its children. */
export function orderRunners(runners: readonly RunnerRecord[]): RunnerRecord[] {
  const ids = new Set(runners.map((r) => r.id));
  const roots = runners.filter((r) => r.parentId === null || !ids.has(r.parentId));
  const out: RunnerRecord[] = [];
  const visit = (r: RunnerRecord) => {
    out.push(r);
    for (const c of runners.filter((x) => x.parentId === r.id).sort((a, b) => a.startedAt - b.startedAt)) visit(c);
  };
  for (const r of [...roots].sort((a, b) => a.startedAt - b.startedAt)) visit(r);
  return out;
}
