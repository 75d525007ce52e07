/**
 * npm run chaos -- --backend sqlite|redis|postgres [--invocations N] [--seconds S] [--runners R]
 *
 * Starts R runner processes of mixed kinds (AsyncRunner, ThreadRunner,
 * PersistentProcessRunner, MultiThreadRunner), registers N invocations of a task that appends
 * one line per execution to a ledger outside nenc, and for S seconds SIGKILLs a random runner,
 * SIGSTOPs another past the dead-after window and continues it, SIGTERMs one, and starts
 * replacements; on Redis and PostgreSQL it restarts the server once; on SQLite it kills a caller in the middle of its registrations. Then it
 * waits (bounded) for everything to be final and checks: nothing lost, no repeated execution
 * that no disruption explains, every result matching the ledger, no result accepted from a
 * fenced-off owner, every history valid in the status table, no orphaned child process.
 * Exits 1 on any violation. Figures, and a pass/fail verdict.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { appServices } from "../src/app.js";
import { toEnvVars } from "../src/config/env-names.js";
import { decode } from "../src/core/serialization.js";
import { isFinal } from "../src/core/status.js";
import type { NencConfigInput } from "../src/index.js";
import { dropSchemas } from "../test/helpers/postgres.js";
import { CHECKED_TASKS, check } from "./checks.js";
import { descendants, Fleet, type FleetRunner, rssKb } from "./fleet.js";
import { restartServer } from "./servers.js";

const { values } = parseArgs({
  options: {
    backend: { type: "string", default: "sqlite" },
    invocations: { type: "string", default: "300" },
    seconds: { type: "string", default: "30" },
    runners: { type: "string", default: "4" },
    /** "no": skip the mid-run server restart (Redis, PostgreSQL). */
    "server-restart": { type: "string", default: "yes" },
  },
});
const N = Number(values.invocations);
const SECONDS = Number(values.seconds);
const R = Math.max(2, Number(values.runners));
const backend = values.backend as "sqlite" | "redis" | "postgres";
const DEAD_AFTER_MS = 3000;
const ROOT = join(import.meta.dirname, "..");

const dir = mkdtempSync(join(tmpdir(), "nenc-chaos-"));
const ledger = join(dir, "ledger");
writeFileSync(ledger, "");
const options: NencConfigInput = {
  appId: `chaos_${Date.now()}`,
  backend,
  runnerConsideredDeadAfterMinutes: DEAD_AFTER_MS / 60_000,
  recoverRunningInvocationsCron: "* * * * * *",
  recoverPendingInvocationsCron: "* * * * * *",
  shutdownGraceSeconds: 2,
  logLevel: "error",
};
if (backend === "sqlite") options.sqliteDbPath = join(dir, "chaos.sqlite");
const env = toEnvVars(options);
Object.assign(process.env, env);
const { app, work, limited, flow, chaosEvent, LIMITED_SLOTS } = await import("./app.js");
const { orchestrator, stateBackend } = await appServices(app).components();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];
const log = (line: string) => process.stdout.write(`[chaos ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);
const t0 = Date.now();

const fleet = new Fleet(env);
for (let i = 0; i < R; i++) fleet.start();

/**
 * Most calls are plain; every 7th is concurrency-limited (3 keys), every 5th delayed by up to
 * 2.3 s, every 11th an event (starting a triggered task), every 13th a workflow.
 */
function register(k: number, attempt: number): Promise<unknown> {
  const ms = 20 + Math.floor(Math.random() * 300);
  if (k % 11 === 5) return chaosEvent.emit({ ledger, ms, tag: `e-${k}.${attempt}` });
  if (k % 13 === 7) return flow(ledger, ms, `f-${k}.${attempt}`);
  if (k % 7 === 3) return limited(ledger, ms, `l-${k}.${attempt}`, `key-${k % 3}`);
  if (k % 5 === 1)
    return work.with({ delayMs: 300 + Math.floor(Math.random() * 2000) })(ledger, ms, `d-${k}.${attempt}`);
  return work(ledger, ms, `w-${k}.${attempt}`);
}

// Registration spread over the first two thirds of the run, so disruptions hit work in flight.
const registering = (async () => {
  const perTick = Math.max(1, Math.ceil(N / ((SECONDS * 2) / 3 / 0.25)));
  for (let i = 0; i < N; ) {
    const batch = Array.from({ length: Math.min(perTick, N - i) }, (_, k) => i + k);
    // A caller retries a registration that failed (e.g. SQLite busy while a frozen runner holds
    // its write lock); registering the same tag twice would show as a lost or repeated one.
    for (let attempt = 1; ; attempt++) {
      try {
        await Promise.all(batch.map((k) => register(k, attempt)));
        break;
      } catch (err) {
        if (attempt >= 5) throw err;
        log(`registration failed (${(err as Error).message}); retrying`);
        await sleep(1000);
      }
    }
    i += batch.length;
    await sleep(250);
  }
})();

const disrupt = async (r: FleetRunner, what: string, signal: NodeJS.Signals) => {
  r.disrupted.push(what);
  r.proc.kill(signal);
  log(`${what} ${r.kind} pid ${r.pid}`);
};

// On Redis and PostgreSQL the server restarts once, keeping its data, at 40% of the run.
let serverDownMs: number | null = null;
const restart =
  backend === "sqlite" || values["server-restart"] === "no"
    ? Promise.resolve()
    : sleep(SECONDS * 400).then(async () => {
        log(`restarting the ${backend} server`);
        serverDownMs = await restartServer(backend);
        log(`${backend} server back after ${serverDownMs} ms`);
      });

const stopped = new Set<FleetRunner>();
let callerKilled = false;
const end = t0 + SECONDS * 1000;
let round = 0;
while (Date.now() < end) {
  await sleep(1500 + Math.random() * 1500);
  const candidates = fleet.live().filter((r) => !stopped.has(r) && Date.now() - r.startedAt > 2000);
  if (candidates.length < 2) continue;
  const victim = pick(candidates);
  if (!victim) continue;
  switch (round++ % 3) {
    case 0:
      await disrupt(victim, "SIGKILL", "SIGKILL");
      fleet.start();
      break;
    case 1:
      await disrupt(victim, "SIGSTOP", "SIGSTOP");
      stopped.add(victim);
      setTimeout(() => {
        victim.proc.kill("SIGCONT");
        stopped.delete(victim);
        log(`SIGCONT ${victim.kind} pid ${victim.pid}`);
      }, DEAD_AFTER_MS + 1500);
      break;
    default:
      await disrupt(victim, "SIGTERM", "SIGTERM");
      fleet.start();
  }
  if (backend === "sqlite" && !callerKilled) {
    callerKilled = true;
    const caller = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "chaos/caller.ts"), ledger, "200", "caller"],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: "ignore",
      },
    );
    setTimeout(() => caller.kill("SIGKILL"), 3500);
    log(`caller pid ${caller.pid} will be SIGKILLed mid-registration`);
  }
}
await registering;
await restart;
while (stopped.size > 0) await sleep(200);
if (fleet.live().length === 0) fleet.start();

// Everything registered must become final within a bounded wait.
const deadline = Date.now() + 90_000;
for (;;) {
  const open = (await Promise.all(CHECKED_TASKS.map((taskId) => orchestrator.find({ taskId }))))
    .flat()
    .filter((r) => !isFinal(r.status));
  if (open.length === 0 || Date.now() > deadline) break;
  await sleep(500);
}
const live = fleet.live();
const memory = live.map((r) => `${r.kind} ${r.rssStartKb ?? "?"} -> ${rssKb(r.pid) ?? "?"} KiB`);
const limitedIds = (await orchestrator.find({ taskId: "limited" })).map((r) => r.id);
const keys = new Map(
  [...(await stateBackend.getInvocations(limitedIds)).values()].map((d) => [
    d.id,
    String((decode(d.args) as unknown[])[3]),
  ]),
);
const report = await check(orchestrator, stateBackend, ledger, fleet.runners, keys);
const children = await fleet.killAll();
await sleep(3000);
const orphans = [...new Set([...children, ...fleet.runners.flatMap((r) => descendants(r.pid))])].filter((pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
});
await app.purge();
await app.close();
// purge() empties the app's tables and keeps them: without this, every PostgreSQL run left its
// nenc_chaos_<time> schema in the database.
if (backend === "postgres") await dropSchemas([String(options.appId)]);

const violations = [
  report.lost > 0 ? `${report.lost} invocations not final (lost)` : "",
  report.repeatedNotAllowed.length
    ? `repeated executions not explained by a disruption: ${report.repeatedNotAllowed.slice(0, 5).join("; ")}`
    : "",
  report.resultsDisagreeing.length
    ? `results disagreeing with the ledger: ${report.resultsDisagreeing.slice(0, 5).join(", ")}`
    : "",
  report.fencedResultsAccepted.length
    ? `results accepted from a fenced-off owner: ${report.fencedResultsAccepted.slice(0, 5).join(", ")}`
    : "",
  report.invalidHistories.length
    ? `histories invalid in the status table: ${report.invalidHistories.slice(0, 3).join("; ")}`
    : "",
  orphans.length ? `orphaned child processes: ${orphans.join(", ")}` : "",
  report.workflowsWithDuplicateChildren.length
    ? `workflow replays registered a child twice: ${report.workflowsWithDuplicateChildren.slice(0, 5).join(", ")}`
    : "",
  report.eventsNotFiredOnce.length
    ? `events that did not start their triggered task exactly once: ${report.eventsNotFiredOnce.slice(0, 5).join(", ")}`
    : "",
  report.maxSlotsHeld > LIMITED_SLOTS
    ? `a concurrency key had ${report.maxSlotsHeld} invocations holding a slot at once (limit ${LIMITED_SLOTS})`
    : "",
].filter(Boolean);

const disruptions = fleet.runners.flatMap((r) => r.disrupted);
console.log(
  JSON.stringify(
    {
      backend,
      seconds: SECONDS,
      runners: R,
      runnersStarted: fleet.runners.length,
      disruptions: {
        SIGKILL: disruptions.filter((d) => d === "SIGKILL").length,
        SIGSTOP: disruptions.filter((d) => d === "SIGSTOP").length,
        SIGTERM: disruptions.filter((d) => d === "SIGTERM").length,
        callerKilled,
        serverDownMs,
      },
      registered: report.registered,
      workflows: report.workflows,
      events: report.events,
      success: report.success,
      lost: report.lost,
      executions: report.executions,
      repeatedAllowed: report.repeatedAllowed,
      repeatedNotAllowed: report.repeatedNotAllowed.length,
      resultsDisagreeing: report.resultsDisagreeing.length,
      fencedResultsAccepted: report.fencedResultsAccepted.length,
      invalidHistories: report.invalidHistories.length,
      orphans: orphans.length,
      maxSlotsHeld: report.maxSlotsHeld,
      slotLimit: LIMITED_SLOTS,
      runnerMemory: memory,
      violations,
    },
    null,
    2,
  ),
);
process.exit(violations.length > 0 ? 1 : 0);
