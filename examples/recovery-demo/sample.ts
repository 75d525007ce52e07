/**
 * The recovery demo of the seed article, in TypeScript, with real processes:
 * Worker-1 takes three slow tasks, is killed with SIGKILL, Worker-2 notices the stale
 * heartbeat, recovers the three invocations and finishes them. No manual step.
 *
 *   npm run demo                       # SQLite (no services)
 *   npm run demo -- --backend redis    # or postgres
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const logDir = join(root, ".nenc", "demo-logs");
const backendArg = process.argv.indexOf("--backend");
const backend = backendArg > 0 ? process.argv[backendArg + 1] : undefined;

// The demo's settings come from its config file; the workers get the same environment.
process.env.NENC__CONFIG_FILE = join(here, "nenc.config.json");
if (backend && backend !== "sqlite") {
  process.env.NENC__BACKEND = backend;
  process.env.NENC__ORCHESTRATOR_CLS = "";
  process.env.NENC__BROKER_CLS = "";
  process.env.NENC__STATE_BACKEND_CLS = "";
}

const { app, slowTask } = await import("./tasks.js");

function startWorker(name: string): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${name}.log`));
  // The nenc command as installed: the compiled CLI (dist/), the same copy of nenc that
  // tasks.ts imports as "nenc" (bin/nenc.js would run src/ in this checkout: another copy).
  const child = spawn(
    process.execPath,
    [join(root, "dist/cli/main.js"), "runner", "start", "--app", join(here, "tasks.ts")],
    {
      cwd: root,
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

function exitCode(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve(signal === "SIGKILL" ? -9 : (code ?? -1)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await app.purge();

console.log("STEP 1: Starting Worker-1...");
const worker1 = startWorker("Worker-1");
console.log(`  Worker-1 started (PID ${worker1.pid})`);

console.log("\nSTEP 2: Submitting 3 long-running tasks...");
const invocations = [];
for (const n of [0, 1, 2]) {
  invocations.push(await slowTask(n));
  console.log(`  -> Submitted slowTask(${n})`);
}

console.log("\n  Waiting for Worker-1 to pick up and start running tasks...");
for (let waited = 0; ; waited += 200) {
  const statuses = await Promise.all(invocations.map((i) => i.status()));
  if (statuses.every((s) => s === "RUNNING")) break;
  if (waited > 60_000) {
    console.error(`  Worker-1 did not start the tasks within 60 s (statuses: ${statuses.join(", ")}); see ${logDir}`);
    worker1.kill("SIGKILL");
    process.exit(1);
  }
  await sleep(200);
}
await sleep(2000); // let them make some progress

console.log("\nSTEP 3: Simulating a worker crash!");
console.log(`  X Killing Worker-1 (PID ${worker1.pid}) with SIGKILL...`);
const exited = exitCode(worker1);
worker1.kill("SIGKILL");
const killedAt = Date.now();
console.log(`  X Worker-1 terminated (exit code ${await exited})`);
console.log("\n  The in-progress tasks are now orphaned — no worker owns them.");

console.log("\nSTEP 4: Starting Worker-2 (the recovery worker)...");
const worker2 = startWorker("Worker-2");
console.log(`  Worker-2 started (PID ${worker2.pid})`);

console.log("\nSTEP 5: Waiting for recovery and task completion...");
let ok = 0;
await Promise.all(
  invocations.map(async (inv) => {
    try {
      const result = await inv.result({ timeoutMs: 90_000 });
      ok++;
      console.log(`  OK slowTask completed: ${result}`);
    } catch (err) {
      console.log(`  FAILED ${inv.id}: ${(err as Error).message}`);
    }
  }),
);
const seconds = ((Date.now() - killedAt) / 1000).toFixed(1);
const recovered = (await Promise.all(invocations.map((i) => i.history()))).filter((h) =>
  h.some((e) => e.status === "RUNNING_RECOVERY"),
).length;

worker2.kill("SIGTERM");
await exitCode(worker2);
await app.close();

if (ok === invocations.length) {
  console.log("\n  ALL 3 TASKS COMPLETED SUCCESSFULLY");
  console.log("  Tasks from the crashed worker were recovered automatically!");
  console.log(`  ${recovered} of 3 went through RUNNING_RECOVERY; ${seconds} s from the kill to the last completion.`);
  console.log(`  Worker logs: ${logDir}`);
  process.exit(0);
}
console.log(`\n  ONLY ${ok} OF 3 TASKS COMPLETED; worker logs: ${logDir}`);
process.exit(1);
