import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

const ROOT = join(import.meta.dirname, "../..");
export const NENC_BIN = join(ROOT, "bin/nenc.js");
export const FIXTURE_APP = join(ROOT, "test/fixtures/app.ts");

export interface RunnerProcess {
  proc: ChildProcess;
  pid: number;
  /** Everything written so far (stdout + stderr). */
  output(): string;
  /** Resolve when the output matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();

/** Start `nenc runner start` as a real process. */
export function spawnRunner(opts: {
  env: Record<string, string>;
  app?: string;
  runner?: string;
  concurrency?: number;
  /** `--queues`: comma-separated queues the runner takes work from. */
  queues?: string;
  /** `--drain-seconds`: how long SIGTERM/SIGINT lets in-flight work finish (0: hand back at once). */
  drainSeconds?: number;
}): RunnerProcess {
  const args = [NENC_BIN, "runner", "start", "--app", opts.app ?? FIXTURE_APP];
  if (opts.runner) args.push("--runner", opts.runner);
  if (opts.concurrency) args.push("--concurrency", String(opts.concurrency));
  if (opts.queues !== undefined) args.push("--queues", opts.queues);
  if (opts.drainSeconds !== undefined) args.push("--drain-seconds", String(opts.drainSeconds));
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env, NENC__LOG_FORMAT: "text" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once("exit", (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  return {
    proc,
    pid: proc.pid ?? -1,
    output: () => out,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in runner output:\n${out}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

/**
 * Kill every runner a test left behind (SIGCONT first, in case it was stopped), then make sure
 * their child processes are gone too (they exit by themselves; stragglers are killed after 10 s).
 * Returns how many runners were killed.
 */
export async function killAllRunners(): Promise<number> {
  const procs = [...live];
  const children = procs.flatMap((p) => (p.pid ? childPidsOf(p.pid) : []));
  for (const p of procs) {
    p.kill("SIGCONT");
    p.kill("SIGKILL");
  }
  await Promise.all(
    procs.map((p) => new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once("exit", r)))),
  );
  try {
    await waitUntil(async () => children.every(processGone), 10_000, "children of killed runners to exit");
  } catch (err) {
    for (const pid of children.filter((c) => !processGone(c))) process.kill(pid, "SIGKILL");
    throw err;
  }
  return procs.length;
}

/** Pids of the direct child processes of `pid` (Linux /proc; empty elsewhere). */
export function childPidsOf(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export async function waitUntil(
  cond: () => Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
}

/** The process is gone: no such pid, or a zombie (exited, not yet reaped by an init that does not reap). */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 3, after the parenthesised command name.
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
}

/** SIGSTOP a runner; on SQLite outside a write (see freezeOutsideWrite). */
export async function freeze(
  runner: RunnerProcess,
  backend: { name: string; options: { sqliteDbPath?: string | undefined } },
): Promise<void> {
  if (backend.name === "sqlite" && backend.options.sqliteDbPath)
    await freezeOutsideWrite(runner.pid, backend.options.sqliteDbPath);
  else runner.proc.kill("SIGSTOP");
}

/**
 * SIGSTOP a runner of a SQLite app outside a write. A process stopped in the middle of a write
 * keeps the file's write lock, so every other writer waits until it continues or ends (a
 * SQLite limitation, see docs/reliability.md): a scenario about recovering a frozen runner's
 * work must freeze it between writes. Retries until the lock is free while it is stopped.
 */
async function freezeOutsideWrite(pid: number, sqliteDbPath: string): Promise<void> {
  const probe = new Database(sqliteDbPath);
  try {
    for (let attempt = 0; ; attempt++) {
      process.kill(pid, "SIGSTOP");
      while (processState(pid) !== "T") await new Promise((r) => setTimeout(r, 5));
      if (await writeLockFree(probe)) return;
      if (attempt >= 50) throw new Error(`runner ${pid} holds the SQLite write lock whenever it is stopped`);
      process.kill(pid, "SIGCONT");
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    probe.close();
  }
}

/** The state letter of /proc/<pid>/stat ("T": stopped). */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}

/** The write lock can be taken within 200 ms (another live process may hold it for a moment). */
async function writeLockFree(db: Database.Database): Promise<boolean> {
  db.pragma("busy_timeout = 0");
  for (let i = 0; i < 10; i++) {
    try {
      db.exec("BEGIN IMMEDIATE");
      db.exec("ROLLBACK");
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return false;
}
