/**
 * npm run bench — figures, not pass/fail. For each backend: register 20,000 no-op invocations,
 * execute them with one runner at 50 slots, both at once (end to end), and the latency from
 * the call to the task starting and to the caller holding the result (p50/p95).
 *
 *   npm run bench -- --count 5000 --backends sqlite
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { appServices } from "../src/app.js";
import { toEnvVars } from "../src/config/env-names.js";
import type { NencConfigInput } from "../src/index.js";
import { AsyncRunner, type Nenc } from "../src/index.js";
import { ms, percentile, rate } from "./stats.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    latency: { type: "string", default: "1000" },
    backends: { type: "string", default: "sqlite,memory" },
  },
});
const COUNT = Number(values.count);
const LATENCY_SAMPLES = Number(values.latency);
const SLOTS = 50;
const ROOT = join(import.meta.dirname, "..");

/** A real runner process; resolves once it has registered its runner context. */
async function spawnRunnerProcess(app: Nenc, options: NencConfigInput): Promise<() => Promise<void>> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(ROOT, "bin/nenc.js"),
      "runner",
      "start",
      "--app",
      join(ROOT, "bench/app.ts"),
      "--runner",
      "AsyncRunner",
      "--concurrency",
      String(SLOTS),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...toEnvVars(options), NENC__LOG_LEVEL: "warn" },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const { orchestrator } = await appServices(app).components();
  while (!(await orchestrator.runners()).some((r) => r.pid === child.pid && r.stoppedAt === null)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return () =>
    new Promise<void>((done) => {
      child.once("exit", () => done());
      child.kill("SIGTERM");
    });
}

async function measure(backend: string): Promise<Record<string, string>> {
  const appId = `bench_${backend}_${Date.now()}`;
  const options: NencConfigInput = { appId, backend: backend as NencConfigInput["backend"], logLevel: "warn" };
  if (backend === "sqlite") options.sqliteDbPath = join(mkdtempSync(join(tmpdir(), "nenc-bench-")), "bench.sqlite");
  Object.assign(process.env, toEnvVars(options));
  // A fresh module instance per backend: the app reads its config from the environment.
  const mod = (await import(`./app.js?backend=${backend}`)) as typeof import("./app.js");
  const { app, noop, stamp } = mod;
  const startRunner = async (): Promise<() => Promise<void>> => {
    if (backend === "memory") {
      const r = new AsyncRunner({ app, concurrency: SLOTS });
      await r.start();
      return () => r.stop();
    }
    return spawnRunnerProcess(app, options);
  };
  const { orchestrator } = await appServices(app).components();
  const waitAllDone = async (n: number) => {
    for (;;) {
      const done = (await orchestrator.countByStatus())
        .filter((c) => c.status === "SUCCESS")
        .reduce((a, c) => a + c.count, 0);
      if (done >= n) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const out: Record<string, string> = {};

  // 1. Register
  let t0 = performance.now();
  for (let i = 0; i < COUNT; i += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, COUNT - i) }, (_, j) => noop(i + j)));
  }
  const registerMs = performance.now() - t0;
  out.register = rate(COUNT, registerMs);

  // 2. Execute what is queued with one runner at 50 slots (timed from the runner being up)
  const stop = await startRunner();
  t0 = performance.now();
  await waitAllDone(COUNT);
  out.execute = rate(COUNT, performance.now() - t0);
  await app.purge();

  // 3. End to end: callers register and await results while the runner works
  t0 = performance.now();
  const handles: Array<Promise<unknown>> = [];
  for (let i = 0; i < COUNT; i += 1000) {
    const batch = await Promise.all(Array.from({ length: Math.min(1000, COUNT - i) }, (_, j) => noop(i + j)));
    for (const inv of batch) handles.push(inv.result());
  }
  await Promise.all(handles);
  out.endToEnd = rate(COUNT, performance.now() - t0);
  await app.purge();

  // 4. Latency, 10 callers in flight
  const toStart: number[] = [];
  const toResult: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next++ < LATENCY_SAMPLES) {
        const called = Date.now();
        const started = await (await stamp()).result();
        toStart.push(started - called);
        toResult.push(Date.now() - called);
      }
    }),
  );
  toStart.sort((a, b) => a - b);
  toResult.sort((a, b) => a - b);
  out["call→start p50/p95"] = `${ms(percentile(toStart, 50))} / ${ms(percentile(toStart, 95))}`;
  out["call→result p50/p95"] = `${ms(percentile(toResult, 50))} / ${ms(percentile(toResult, 95))}`;

  await stop();
  await app.purge();
  await app.close();
  return out;
}

const results: Record<string, Record<string, string>> = {};
for (const backend of values.backends.split(",")) {
  process.stdout.write(`measuring ${backend} (${COUNT} invocations)...\n`);
  results[backend] = await measure(backend);
}
console.log(
  `\nnenc benchmark: ${COUNT} no-op invocations, one runner process, ${SLOTS} slots (node ${process.version})\n`,
);
console.table(results);
process.exit(0);
