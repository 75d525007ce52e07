/**
 * npm run bench — nenc side by side with BullMQ (Redis), graphile-worker and pg-boss
 * (PostgreSQL), in one run, on the same servers, with the same harness. Figures, not pass/fail.
 *
 * Sections (each figure is the median of --runs runs, with min and max):
 * - throughput: register --count no-op jobs in bulk, register 1,000 one by one, execute them with
 *   one worker process at concurrency 50, then end to end (register while the worker runs);
 *   completion is counted in each system's own store; the worker's peak RSS;
 * - latency: one job at a time, call → start and call → the caller holding the result (p50/p95);
 * - recovery: three 8-second jobs, the worker SIGKILLed, another already up: kill → rerun and
 *   kill → done, default and fastest settings (capped at --recovery-cap seconds);
 * - scale (nenc): the throughput run again with --scale final invocations already stored;
 * - memory (nenc): RSS of a runner at the start and end of a --steady-seconds steady run.
 *
 *   npm run bench                                         # everything (about 25 minutes)
 *   npm run bench -- --sections throughput --runs 1 --count 5000
 *   npm run bench -- --systems nenc-redis,bullmq --sections throughput,latency
 *
 * The peers are benchmark-only: installed into bench/peers on first use (npm install there,
 * following its lock file), never by nenc's own install. Prints one table and writes bench/results/<date>.json.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { recoveryRun, scaleSeed, steadyMemory, throughputRun } from "./sections.js";
import { nencSystem } from "./systems/nenc.js";
import { loadPeer } from "./systems/peers.js";
import type { BenchSystem, WorkerLauncher } from "./systems/types.js";
import { type Figure, figure, renderTable } from "./table.js";

const { values } = parseArgs({
  options: {
    systems: { type: "string", default: "nenc-sqlite,nenc-redis,bullmq,nenc-postgres,graphile-worker,pg-boss" },
    sections: { type: "string", default: "throughput,latency,recovery,scale,memory" },
    runs: { type: "string", default: "3" },
    count: { type: "string", default: "20000" },
    latency: { type: "string", default: "300" },
    scale: { type: "string", default: "1000000" },
    "steady-seconds": { type: "string", default: "300" },
    "steady-systems": { type: "string", default: "nenc-sqlite" },
    "recovery-cap": { type: "string", default: "40" },
  },
});
const RUNS = Number(values.runs);
const COUNT = Number(values.count);
const sections = new Set(values.sections.split(","));
const ROOT = join(import.meta.dirname, "..");
const sqliteDir = mkdtempSync(join(tmpdir(), "nenc-bench-"));

const PEERS: Record<string, string> = { bullmq: "bullmq", "graphile-worker": "graphile-worker", "pg-boss": "pg-boss" };
if (values.systems.split(",").some((s) => s in PEERS) && !existsSync(join(ROOT, "bench/peers/node_modules"))) {
  // `npm install` follows the lock file too; `npm ci` of npm 11 refuses this lock (it reports
  // the platform-specific optional packages of msgpackr-extract as missing).
  process.stdout.write("installing the benchmark peers into bench/peers (npm install, from the lock file)...\n");
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent"], {
    cwd: join(ROOT, "bench/peers"),
    stdio: "inherit",
  });
}

async function system(id: string): Promise<BenchSystem & WorkerLauncher> {
  if (id.startsWith("nenc-")) return nencSystem(id.slice(5) as "sqlite" | "redis" | "postgres", sqliteDir);
  const file = PEERS[id];
  if (!file)
    throw new Error(
      `unknown system "${id}"; known: nenc-sqlite, nenc-redis, nenc-postgres, ${Object.keys(PEERS).join(", ")}`,
    );
  return loadPeer(join(ROOT, "bench/peers", `${file}.mjs`));
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const rows: Array<{ system: string; engine: string; figures: Record<string, Figure> }> = [];
const settings: Record<string, string> = {};

for (const id of values.systems.split(",")) {
  const sys = await system(id);
  settings[`${sys.name} (${sys.engine})`] = `${sys.version}: ${sys.settings}`;
  const samples: Record<string, number[]> = {};
  const add = (k: string, v: number | null) => {
    samples[k] ??= [];
    if (v !== null) samples[k].push(v);
  };
  for (let run = 0; run < RUNS; run++) {
    if (sections.has("throughput") || sections.has("latency")) {
      say(`${id}: throughput/latency run ${run + 1}/${RUNS}`);
      const t = await throughputRun(sys, {
        count: COUNT,
        latency: sections.has("latency") ? Number(values.latency) : 0,
        throughput: sections.has("throughput"),
      });
      for (const [k, v] of Object.entries(t)) add(k, v);
    }
    if (sections.has("recovery")) {
      for (const fast of [false, true]) {
        say(`${id}: recovery (${fast ? "fastest" : "default"} settings) run ${run + 1}/${RUNS}`);
        const r = await recoveryRun(sys, fast, Number(values["recovery-cap"]) * 1000);
        add(`recovery ${fast ? "fastest" : "default"}: kill → rerun (s)`, r.rerunMs === null ? null : r.rerunMs / 1000);
        add(`recovery ${fast ? "fastest" : "default"}: kill → done (s)`, r.doneMs === null ? null : r.doneMs / 1000);
      }
    }
  }
  if (sections.has("scale") && sys.name === "nenc") {
    say(`${id}: seeding ${Number(values.scale).toLocaleString("en-US")} final invocations`);
    const seeded = await scaleSeed(sys, Number(values.scale));
    for (let run = 0; run < RUNS; run++) {
      say(`${id}: scale run ${run + 1}/${RUNS}`);
      const t = await throughputRun(sys, { count: COUNT, latency: 0, throughput: true, ctx: seeded.ctx });
      add("scale: execute (jobs/s)", t["execute (jobs/s)"] ?? null);
      add("scale: end to end (jobs/s)", t["end to end (jobs/s)"] ?? null);
    }
    await seeded.close();
  }
  if (sections.has("memory") && values["steady-systems"].split(",").includes(id)) {
    say(`${id}: steady run of ${values["steady-seconds"]} s`);
    const m = await steadyMemory(sys, Number(values["steady-seconds"]) * 1000);
    add("steady RSS start (MiB)", m.startMiB);
    add("steady RSS end (MiB)", m.endMiB);
  }
  const capped = (k: string) => k.startsWith("recovery") && (samples[k]?.length ?? 0) < RUNS;
  rows.push({
    system: sys.name,
    engine: sys.engine,
    figures: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, figure(v, capped(k))])),
  });
}

const machine = `${process.platform} ${process.arch}, ${(await import("node:os")).cpus().length} cores, node ${process.version}`;
const table = renderTable(rows);
say(
  `\nnenc benchmark, ${new Date().toISOString().slice(0, 10)}, ${machine}; ${COUNT} jobs, ${RUNS} runs, median (min-max)\n`,
);
say(table);
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
const out = join(ROOT, "bench/results", `${new Date().toISOString().replaceAll(":", "-").slice(0, 19)}.json`);
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), machine, count: COUNT, runs: RUNS, settings, rows }, null, 2)}\n`,
);
say(`\nwritten: ${out}`);
process.exit(0);
