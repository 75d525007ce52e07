import { readFileSync } from "node:fs";
import type { Orchestrator, RunnerRecord, StateBackend, StatusRecord } from "../src/core/contract/index.js";
import { decode } from "../src/core/serialization.js";
import { canTransition, isFinal, SLOT_HOLDING_STATUSES } from "../src/core/status.js";
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
  /** Most invocations of one concurrency key holding a slot at once, by the recorded histories. */
  maxSlotsHeld: number;
  /** Workflow runs, and those whose replays registered a child twice (must be none). */
  workflows: number;
  workflowsWithDuplicateChildren: string[];
  /** Emitted events, and those that did not start their triggered task exactly once (must be none). */
  events: number;
  eventsNotFiredOnce: string[];
}

/** The tasks whose invocations the run waits for and checks. */
export const CHECKED_TASKS = ["work", "limited", "triggered", "flow", "nenc.event"] as const;
/** Tasks whose results carry the ledger tag and runner of their execution. */
const LEDGER_TASKS = ["work", "limited", "triggered"];

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
  stateBackend: StateBackend,
  ledgerPath: string,
  fleet: readonly FleetRunner[],
  /** The concurrency key of each concurrency-limited invocation. */
  keys: ReadonlyMap<string, string>,
): Promise<ChaosReport> {
  const all: StatusRecord[] = (await Promise.all(LEDGER_TASKS.map((taskId) => orchestrator.find({ taskId })))).flat();
  const flows = await orchestrator.find({ taskId: "flow" });
  const events = await orchestrator.find({ taskId: "nenc.event" });
  const ledger = readLedger(ledgerPath);
  const records = new Map((await orchestrator.runners()).map((r) => [r.id, r]));
  const disrupted = new Set(fleet.filter((r) => r.disrupted.length > 0).map((r) => r.pid));
  const histories = new Map<string, Awaited<ReturnType<Orchestrator["history"]>>>();
  for (const rec of all) histories.set(rec.id, await orchestrator.history(rec.id));
  const report: ChaosReport = {
    registered: all.length + flows.length + events.length,
    success: [...all, ...flows, ...events].filter((r) => r.status === "SUCCESS").length,
    lost: [...all, ...flows, ...events].filter((r) => !isFinal(r.status)).length,
    executions: [...ledger.values()].reduce((n, e) => n + e.length, 0),
    repeatedAllowed: 0,
    repeatedNotAllowed: [],
    resultsDisagreeing: [],
    fencedResultsAccepted: [],
    invalidHistories: [],
    maxSlotsHeld: maxSlotsHeld(histories, keys),
    workflows: flows.length,
    workflowsWithDuplicateChildren: [],
    events: events.length,
    eventsNotFiredOnce: [],
  };
  for (const f of flows) {
    const children = await stateBackend.findInvocations({ parentId: f.id, limit: 100 });
    if (f.status === "SUCCESS" && children.length !== 2) {
      report.workflowsWithDuplicateChildren.push(`${f.id}: ${children.length} children`);
    }
    const statuses = (await orchestrator.history(f.id)).map((h) => h.status);
    if (statuses.some((s, i) => i > 0 && !canTransition(statuses[i - 1] as typeof s, s))) {
      report.invalidHistories.push(`${f.id}: ${statuses.join(" > ")}`);
    }
  }
  const fired = new Map<string, number>();
  const triggeredIds = all.filter((r) => r.taskId === "triggered").map((r) => r.id);
  for (const d of (await stateBackend.getInvocations(triggeredIds)).values()) {
    const eventId = d.origin?.eventId ?? "none";
    fired.set(eventId, (fired.get(eventId) ?? 0) + 1);
  }
  for (const e of events) {
    if (e.status === "SUCCESS" && fired.get(e.id) !== 1)
      report.eventsNotFiredOnce.push(`${e.id}: ${fired.get(e.id) ?? 0}`);
  }
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
      // Repeats are allowed when every execution but the one whose result was recorded ran on a
      // runner that was killed, frozen or stopped, or that lost the invocation through the state
      // machine: recovered from it (declared dead, e.g. a heartbeat late on a loaded machine) or
      // handed back by it. The recorded one is not always the last line of the ledger: a runner
      // frozen between its claim and the task's first line writes its line after it wakes, once
      // the invocation ran elsewhere.
      const lostBy = new Set(
        history.flatMap((h, k) =>
          ["RUNNING_RECOVERY", "PENDING_RECOVERY", "KILLED"].includes(h.status) ? [history[k - 1]?.ownerId ?? ""] : [],
        ),
      );
      const recorded = runs.findLastIndex((e) => e.runnerId === result?.runnerId);
      const others = runs.filter((_, k) => k !== recorded);
      const ok = others.every((e) => {
        const pid = topPid(e.runnerId, records);
        return lostBy.has(e.runnerId) || (pid !== null && disrupted.has(pid));
      });
      if (ok) report.repeatedAllowed++;
      else report.repeatedNotAllowed.push(`${result?.tag}: ${runs.map((e) => e.runnerId).join(", ")}`);
    }
  }
  return report;
}

/**
 * Sweep the slot-holding intervals of each key's invocations (history times are the backend's
 * clock): the most held at once. A release and a claim at the same instant count release first.
 */
function maxSlotsHeld(
  histories: ReadonlyMap<string, Awaited<ReturnType<Orchestrator["history"]>>>,
  keys: ReadonlyMap<string, string>,
): number {
  const events = new Map<string, Array<[number, number]>>();
  for (const [id, key] of keys) {
    const history = histories.get(id) ?? [];
    const list = events.get(key) ?? [];
    let heldSince: number | null = null;
    for (const h of history) {
      const holds = SLOT_HOLDING_STATUSES.includes(h.status);
      if (holds && heldSince === null) heldSince = h.at;
      if (!holds && heldSince !== null) {
        list.push([heldSince, 1], [h.at, -1]);
        heldSince = null;
      }
    }
    if (heldSince !== null) list.push([heldSince, 1], [Number.POSITIVE_INFINITY, -1]);
    events.set(key, list);
  }
  let max = 0;
  for (const list of events.values()) {
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let held = 0;
    for (const [, d] of list) {
      held += d;
      max = Math.max(max, held);
    }
  }
  return max;
}
