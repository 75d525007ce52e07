import { readFileSync } from "node:fs";
import type { Orchestrator, RunnerRecord, StatusRecord } from "../src/core/contract/index.js";
import { decode } from "../src/core/serialization.js";
import { canTransition, isFinal } from "../src/core/status.js";
import type { FleetRunner } from "./fleet.js";

export interface ChaosReport {
  registered: number;
  success: number;
  lost: number;
  executions: number;
  repeatedAllowed: number;
  repeatedNotAllowed: string[];
  resultsDisagreeing: string[];
  fencedResultsAccepted: string[];
  invalidHistories: string[];
}

interface Execution {
  pid: number;
  runnerId: string;
}

function readLedger(path: string): Map<string, Execution[]> {
  const out = new Map<string, Execution[]>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const [tag, pid, runnerId] = line.split(" ");
    if (!tag || !pid || !runnerId) continue;
    out.set(tag, [...(out.get(tag) ?? []), { pid: Number(pid), runnerId }]);
  }
  return out;
}

/** The top-level runner process an execution ran under (workers record their parent). */
function topPid(runnerId: string, records: Map<string, RunnerRecord>): number | null {
  let r = records.get(runnerId);
  while (r?.parentId) r = records.get(r.parentId);
  return r?.pid ?? null;
}

/** Every check of the chaos run, read from the store and the ledger. */
export async function check(
  orchestrator: Orchestrator,
  ledgerPath: string,
  fleet: readonly FleetRunner[],
): Promise<ChaosReport> {
  const all: StatusRecord[] = await orchestrator.find({ taskId: "work" });
  const ledger = readLedger(ledgerPath);
  const records = new Map((await orchestrator.runners()).map((r) => [r.id, r]));
  const disrupted = new Set(fleet.filter((r) => r.disrupted.length > 0).map((r) => r.pid));
  const histories = new Map<string, Awaited<ReturnType<Orchestrator["history"]>>>();
  for (const rec of all) histories.set(rec.id, await orchestrator.history(rec.id));
  const report: ChaosReport = {
    registered: all.length,
    success: all.filter((r) => r.status === "SUCCESS").length,
    lost: all.filter((r) => !isFinal(r.status)).length,
    executions: [...ledger.values()].reduce((n, e) => n + e.length, 0),
    repeatedAllowed: 0,
    repeatedNotAllowed: [],
    resultsDisagreeing: [],
    fencedResultsAccepted: [],
    invalidHistories: [],
  };
  for (const rec of all) {
    const history = histories.get(rec.id) ?? [];
    const statuses = history.map((h) => h.status);
    if (
      statuses[0] !== "REGISTERED" ||
      statuses.some((s, i) => i > 0 && !canTransition(statuses[i - 1] as typeof s, s))
    ) {
      report.invalidHistories.push(`${rec.id}: ${statuses.join(" > ")}`);
    }
    if (rec.status !== "SUCCESS") continue;
    const outcome = await orchestrator.getOutcome(rec.id);
    const result = outcome?.kind === "result" ? (decode(outcome.value) as { tag: string; runnerId: string }) : null;
    const runs = result ? (ledger.get(result.tag) ?? []) : [];
    if (!result || !runs.some((e) => e.runnerId === result.runnerId)) report.resultsDisagreeing.push(rec.id);
    // The SUCCESS write must come from the owner of the execution before it, with its token.
    const i = statuses.lastIndexOf("SUCCESS");
    const before = history[i - 1];
    const success = history[i];
    if (!before || !success || before.ownerId !== success.actorId || before.token !== success.token) {
      report.fencedResultsAccepted.push(rec.id);
    }
    if (runs.length > 1) {
      // Repeats are allowed when every execution but the last ran on a runner that was killed,
      // frozen or stopped, or that lost the invocation through the state machine: recovered
      // from it (declared dead, e.g. a heartbeat late on a loaded machine) or handed back by it.
      const lostBy = new Set(
        history.flatMap((h, k) =>
          ["RUNNING_RECOVERY", "PENDING_RECOVERY", "KILLED"].includes(h.status) ? [history[k - 1]?.ownerId ?? ""] : [],
        ),
      );
      const earlier = runs.slice(0, -1);
      const ok = earlier.every((e) => {
        const pid = topPid(e.runnerId, records);
        return lostBy.has(e.runnerId) || (pid !== null && disrupted.has(pid));
      });
      if (ok) report.repeatedAllowed++;
      else report.repeatedNotAllowed.push(`${result?.tag}: ${runs.map((e) => e.runnerId).join(", ")}`);
    }
  }
  return report;
}
