import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rssKb } from "../chaos/fleet.js";
import { seedFinal } from "./seed.js";
import { percentile } from "./stats.js";
import type { BenchContext, BenchSystem, WorkerLauncher } from "./systems/types.js";

type System = BenchSystem & WorkerLauncher;
const ROOT = join(import.meta.dirname, "..");
const SLOTS = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
let tags = 0;
const tag = () => `${Date.now().toString(36)}${(tags++).toString(36)}`;

interface Worker {
  proc: ChildProcess;
  peakKb: number;
  stop(): Promise<void>;
}

/** A worker process of the system; its RSS (with children) is sampled every 100 ms. */
async function startWorker(sys: System, ctx: BenchContext, fast: boolean): Promise<Worker> {
  const { args, env } = sys.command(ctx, SLOTS, fast);
  // BENCH_CPU_PROF=<dir>: each worker writes a V8 CPU profile there (open it in Chrome DevTools).
  const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const proc = spawn(process.execPath, [...prof, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out = (out + d.toString()).slice(-4096);
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const w: Worker = {
    proc,
    peakKb: 0,
    async stop() {
      clearInterval(sampler);
      proc.kill("SIGTERM");
      if ((await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)])) === false)
        proc.kill("SIGKILL");
      await exited;
    },
  };
  const sampler = setInterval(() => {
    w.peakKb = Math.max(w.peakKb, rssKb(proc.pid ?? 0) ?? 0);
  }, 100);
  await Promise.race([
    sys.ready(ctx, proc.pid ?? 0, () => out),
    exited.then(() => Promise.reject(new Error(`${sys.name} worker exited before it was ready`))),
  ]);
  return w;
}

/**
 * When the system had `target` jobs completed, or null if not within `capMs`. A system that can
 * tell cheaply what is left (nenc) is polled for that, and done is the moment nothing is left;
 * its completed jobs are then counted, outside the timed window (a count over a million stored
 * invocations takes a quarter of a second on SQLite), and must reach `target`.
 */
async function allDone(sys: System, ctx: BenchContext, target: number, capMs: number): Promise<number | null> {
  const { remaining } = sys;
  if (remaining) {
    if (!(await until(async () => (await remaining.call(sys, ctx)) === 0, capMs))) return null;
    const doneAt = now();
    return (await until(async () => (await sys.countDone(ctx)) >= target, capMs)) ? doneAt : null;
  }
  return (await until(async () => (await sys.countDone(ctx)) >= target, capMs)) ? now() : null;
}

async function until(cond: () => Promise<boolean>, capMs: number): Promise<boolean> {
  const end = Date.now() + capMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(25);
  }
  return false;
}

/** Throughput and latency of one run; `ctx` reuses a prepared (seeded) context. */
export async function throughputRun(
  sys: System,
  opts: { count: number; latency: number; throughput: boolean; ctx?: BenchContext },
): Promise<Record<string, number>> {
  const ctx = opts.ctx ?? (await sys.open(tag()));
  const out: Record<string, number> = {};
  const base = await sys.countDone(ctx);
  let worker: Worker;
  if (opts.throughput) {
    let t = now();
    await sys.addBulk(ctx, opts.count);
    out["register in bulk (jobs/s)"] = (opts.count / (now() - t)) * 1000;
    const ONE_BY_ONE = 1000;
    t = now();
    for (let i = 0; i < ONE_BY_ONE; i++) await sys.addOne(ctx, i);
    out["register one by one (jobs/s)"] = (ONE_BY_ONE / (now() - t)) * 1000;
    const queued = opts.count + ONE_BY_ONE;
    worker = await startWorker(sys, ctx, false);
    t = now();
    const executed = await allDone(sys, ctx, base + queued, 600_000);
    if (executed === null) throw new Error("execute: not done");
    out["execute (jobs/s)"] = (queued / (executed - t)) * 1000;
    t = now();
    await sys.addBulk(ctx, opts.count);
    const finished = await allDone(sys, ctx, base + queued + opts.count, 600_000);
    if (finished === null) throw new Error("end to end: not done");
    out["end to end (jobs/s)"] = (opts.count / (finished - t)) * 1000;
  } else {
    worker = await startWorker(sys, ctx, false);
  }
  if (opts.latency > 0) {
    const toStart: number[] = [];
    const toDone: number[] = [];
    for (let i = 0; i < opts.latency; i++) {
      const l = await sys.latencyOnce(ctx);
      toStart.push(l.toStart);
      toDone.push(l.toDone);
    }
    toStart.sort((a, b) => a - b);
    toDone.sort((a, b) => a - b);
    out["call → start p50 (ms)"] = percentile(toStart, 50);
    out["call → start p95 (ms)"] = percentile(toStart, 95);
    out["call → done p50 (ms)"] = percentile(toDone, 50);
    out["call → done p95 (ms)"] = percentile(toDone, 95);
  }
  out["worker peak RSS (MiB)"] = worker.peakKb / 1024;
  await worker.stop();
  if (!opts.ctx) await sys.close(ctx);
  return out;
}

/**
 * Worker A takes three 8-second jobs, worker B is up, A is SIGKILLed: ms from the kill to the
 * last of the three starting again on B, and to all three done (null: not within `capMs`).
 */
export async function recoveryRun(
  sys: System,
  fast: boolean,
  capMs: number,
): Promise<{ rerunMs: number | null; doneMs: number | null }> {
  const ctx = await sys.open(tag());
  const ledger = join(mkdtempSync(join(tmpdir(), "nenc-bench-recovery-")), "ledger");
  writeFileSync(ledger, "");
  const lines = () =>
    readFileSync(ledger, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" "));
  const a = await startWorker(sys, ctx, fast);
  await sys.addBulk(ctx, 3, "slow", { ledger, ms: 8000, tag: "job" });
  const result: { rerunMs: number | null; doneMs: number | null } = { rerunMs: null, doneMs: null };
  if (await until(async () => lines().length >= 3, 30_000)) {
    const b = await startWorker(sys, ctx, fast);
    await sleep(1000);
    const killedAt = Date.now();
    a.proc.kill("SIGKILL");
    const onB = () => lines().filter((l) => l[1] === String(b.proc.pid));
    if (await until(async () => onB().length >= 3, capMs)) {
      result.rerunMs = Math.max(...onB().map((l) => Number(l[2]))) - killedAt;
      if (await until(async () => (await sys.countDone(ctx)) >= 3, capMs)) result.doneMs = Date.now() - killedAt;
    }
    b.proc.kill("SIGKILL");
  }
  a.proc.kill("SIGKILL");
  await sleep(500);
  await sys.close(ctx).catch(() => {});
  rmSync(ledger, { force: true });
  return result;
}

/** A nenc context with `n` final invocations already stored (bulk SQL or Lua, not the API). */
export async function scaleSeed(sys: System, n: number): Promise<{ ctx: BenchContext; close(): Promise<void> }> {
  const ctx = await sys.open(tag());
  await seedFinal(sys.engine, ctx, n);
  return { ctx, close: () => sys.close(ctx) };
}

/** RSS of a runner under a steady load (about 500 jobs/s) after a 10 s warm-up and at the end. */
export async function steadyMemory(sys: System, durationMs: number): Promise<{ startMiB: number; endMiB: number }> {
  const ctx = await sys.open(tag());
  const worker = await startWorker(sys, ctx, false);
  let feeding = true;
  const feeder = (async () => {
    while (feeding) {
      await sys.addBulk(ctx, 50);
      await sleep(100);
    }
  })();
  await sleep(10_000);
  const startMiB = (rssKb(worker.proc.pid ?? 0) ?? 0) / 1024;
  await sleep(Math.max(0, durationMs - 10_000));
  const endMiB = (rssKb(worker.proc.pid ?? 0) ?? 0) / 1024;
  feeding = false;
  await feeder;
  await worker.stop();
  await sys.close(ctx);
  return { startMiB, endMiB };
}
