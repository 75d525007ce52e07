/**
 * npm run bench:recovery — how fast a SIGKILLed runner's work runs again, with default settings.
 * Per engine and run: worker A takes three 8-second jobs, worker B is already running, A is
 * SIGKILLed; the figures are kill → each job started again on B (the slowest of the three) and
 * kill → all three done. Median, min and max over the runs. Figures, not pass/fail.
 *
 *   npm run bench:recovery -- --backends sqlite,redis,postgres --runs 3
 *   npm run bench:recovery -- --backends redis,postgres --remote   # A "on another host": by its session
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { appServices } from "../src/app.js";
import { toEnvVars } from "../src/config/env-names.js";
import type { NencConfigInput } from "../src/index.js";
import { percentile } from "./stats.js";

const { values } = parseArgs({
  options: {
    backends: { type: "string", default: "sqlite,redis,postgres" },
    runs: { type: "string", default: "3" },
    jobMs: { type: "string", default: "8000" },
    /** Record worker A on another host: its death is found by its session (Redis/PostgreSQL), not its pid. */
    remote: { type: "boolean", default: false },
  },
});
const RUNS = Number(values.runs);
const JOB_MS = Number(values.jobMs);
const ROOT = join(import.meta.dirname, "..");

function startWorker(options: NencConfigInput): ChildProcess {
  return spawn(
    process.execPath,
    [join(ROOT, "bin/nenc.js"), "runner", "start", "--app", join(ROOT, "bench/app.ts"), "--runner", "AsyncRunner"],
    { cwd: ROOT, env: { ...process.env, ...toEnvVars(options), NENC__LOG_LEVEL: "warn" }, stdio: "ignore" },
  );
}

async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function oneRun(backend: string, run: number): Promise<{ rerunMs: number; doneMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), "nenc-bench-recovery-"));
  const options: NencConfigInput = { appId: `benchrec_${backend}_${Date.now()}`, backend: backend as "sqlite" };
  if (backend === "sqlite") options.sqliteDbPath = join(dir, "bench.sqlite");
  Object.assign(process.env, toEnvVars(options));
  const { app, slow } = (await import(`./app.js?recovery=${backend}-${run}`)) as typeof import("./app.js");
  const { orchestrator } = await appServices(app).components();
  const ledger = join(dir, "ledger");
  writeFileSync(ledger, "");
  const alive = async (pid: number | undefined) =>
    (await orchestrator.runners()).some((r) => r.pid === pid && r.stoppedAt === null);
  const a = startWorker(values.remote ? { ...options, runnerHost: "elsewhere" } : options);
  await until(() => alive(a.pid), "worker A");
  const invs = await Promise.all([0, 1, 2].map((i) => slow(JOB_MS, ledger, `job-${i}`)));
  const lines = () => readFileSync(ledger, "utf8").trim().split("\n").filter(Boolean);
  await until(() => lines().length >= 3, "three jobs started on A");
  const b = startWorker(options);
  await until(() => alive(b.pid), "worker B");
  // B settled; with --remote, A old enough for its session to be judged (it takes it at start).
  await new Promise((r) => setTimeout(r, values.remote ? 5500 : 1000));
  const killedAt = Date.now();
  a.kill("SIGKILL");
  await until(() => lines().filter((l) => l.split(" ")[1] === String(b.pid)).length >= 3, "three jobs rerun on B");
  const rerunAt = Math.max(
    ...lines()
      .filter((l) => l.split(" ")[1] === String(b.pid))
      .map((l) => Number(l.split(" ")[2])),
  );
  await Promise.all(invs.map((i) => i.result({ timeoutMs: 120_000 })));
  const doneMs = Date.now() - killedAt;
  b.kill("SIGKILL");
  await app.purge();
  await app.close();
  return { rerunMs: rerunAt - killedAt, doneMs };
}

const fmt = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return `${(percentile(s, 50) / 1000).toFixed(2)} s (${(s[0]! / 1000).toFixed(2)}-${(s.at(-1)! / 1000).toFixed(2)})`;
};

console.log(`detected by: ${values.remote ? "the runner's session (A recorded on another host)" : "pid (same host)"}`);
console.log(`| engine | kill → rerun, median (min-max) | kill → done (${JOB_MS / 1000} s jobs) |`);
console.log("| --- | --- | --- |");
for (const backend of values.backends.split(",")) {
  const results = [];
  for (let i = 0; i < RUNS; i++) results.push(await oneRun(backend, i));
  console.log(`| ${backend} | ${fmt(results.map((r) => r.rerunMs))} | ${fmt(results.map((r) => r.doneMs))} |`);
}
process.exit(0);
